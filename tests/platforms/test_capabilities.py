"""Each channel says by type what it can do: the services never probe an adapter."""

from __future__ import annotations

from hub.config import load_settings
from hub.platforms.base import (
    Channel,
    ListsRecentPosts,
    Moderates,
    PlatformAdapter,
    Publishes,
    ReadsMentions,
    ReadsPostComments,
    Replies,
    SchedulesPosts,
    SendsMessages,
)
from hub.platforms.registry import configured_accounts


def adapters():
    accounts = configured_accounts(load_settings(), "http://127.0.0.1:9")
    return {account.platform.value: account.adapter for account in accounts}


def test_both_publishing_channels_publish_reply_list_and_moderate():
    for name, adapter in adapters().items():
        if name == "whatsapp":
            continue
        for capability in (PlatformAdapter, Publishes, Replies, ListsRecentPosts, Moderates):
            assert isinstance(adapter, capability), (name, capability.__name__)
        assert adapter.account_id, name


def test_each_channel_reads_citizens_its_own_way():
    found = adapters()
    facebook, x = found["facebook"], found["x"]
    assert isinstance(facebook, ReadsPostComments) and isinstance(facebook, SchedulesPosts)
    assert not isinstance(facebook, ReadsMentions)
    assert isinstance(x, ReadsMentions)
    assert not isinstance(x, ReadsPostComments) and not isinstance(x, SchedulesPosts)


def test_whatsapp_is_a_messaging_channel_that_publishes_nothing():
    whatsapp = adapters()["whatsapp"]
    assert isinstance(whatsapp, Channel) and isinstance(whatsapp, SendsMessages)
    for capability in (Publishes, Replies, ListsRecentPosts, Moderates, ReadsMentions):
        assert not isinstance(whatsapp, capability), capability.__name__
    assert whatsapp.account_id
    for name in ("facebook", "x"):
        assert not isinstance(adapters()[name], SendsMessages), name
