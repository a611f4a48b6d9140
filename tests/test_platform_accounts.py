"""Which accounts the hub uses, checking them (page, CLI), and the trainer's sandbox view."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from hub.config import load_settings
from hub.errors import ConfigurationError, InvalidInput, NotFound, PermissionDenied
from hub.permissions import Role
from hub.platforms.base import Platform, PublishRequest
from hub.platforms.registry import configured_accounts
from hub.sandbox.runtime import SANDBOX_FACEBOOK


def test_without_real_accounts_both_platforms_point_at_the_sandbox():
    settings = load_settings()
    accounts = {a.platform: a for a in configured_accounts(settings, "http://127.0.0.1:8599")}
    assert accounts[Platform.FACEBOOK].uses_sandbox and accounts[Platform.X].uses_sandbox
    assert accounts[Platform.FACEBOOK].adapter.page_id == SANDBOX_FACEBOOK["page_id"]


def test_a_real_endpoint_keeps_its_own_credentials(monkeypatch):
    monkeypatch.setenv("HUB_FACEBOOK__GRAPH_URL", "https://graph.facebook.com")
    monkeypatch.setenv("HUB_FACEBOOK__PAGE_ID", "4242")
    monkeypatch.setenv("HUB_FACEBOOK__PAGE_TOKEN", "EAAB-real-token")
    accounts = {a.platform: a for a in configured_accounts(load_settings(), "http://s:1")}
    facebook = accounts[Platform.FACEBOOK]
    assert not facebook.uses_sandbox and facebook.adapter.page_id == "4242"
    assert accounts[Platform.X].uses_sandbox


def test_sandbox_off_and_nothing_configured_reports_the_missing_settings(monkeypatch):
    monkeypatch.setenv("HUB_SANDBOX__ENABLED", "false")
    accounts = configured_accounts(load_settings(), "http://unused:1")
    assert all(a.adapter is None and a.problem for a in accounts)


def test_check_from_the_hub_reports_capabilities_and_is_audited(installed_hub, actors, audit_rows):
    results = {r.platform: r for r in installed_hub.platforms.check(actors["it.team"])}
    assert results[Platform.FACEBOOK].ok and results[Platform.X].ok
    assert results[Platform.FACEBOOK].capabilities.can_read_comments
    assert results[Platform.X].capabilities.can_read_mentions
    assert audit_rows(action="check_platforms", actor="it.team")[-1][2] == "ok"


def test_check_says_when_a_token_expired_and_when_x_is_publish_only(installed_hub, actors):
    installed_hub.sandbox.graph.expire_token()
    installed_hub.sandbox.x.set_mentions_enabled(False)
    results = {r.platform: r for r in installed_hub.platforms.check(actors["admin"])}
    facebook, x = results[Platform.FACEBOOK], results[Platform.X]
    assert not facebook.ok and "expired" in facebook.problem.lower()
    assert "sandbox-page-token" not in facebook.problem
    assert x.ok and not x.capabilities.can_read_mentions and x.capabilities.can_publish
    assert "NOT WORKING" in facebook.summary
    abilities = x.summary.split(" — ")[0]
    assert "can publish" in abilities and "read mentions" not in abilities


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_check(tmp_path: Path, **env_extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(HUB_DATA_DIR=str(tmp_path / "data"), HUB_SANDBOX__PORT=str(free_port()))
    env.update(env_extra)
    hub_command = str(Path(sys.executable).with_name("hub"))
    return subprocess.run(
        [hub_command, "platforms", "check"], env=env, capture_output=True, text=True, timeout=120
    )


def test_cli_check_brings_up_the_sandbox_when_no_hub_runs(tmp_path):
    result = run_check(tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("facebook: ok (sandbox)")
    assert lines[1].startswith("x: ok (sandbox)")
    assert "nanobind" not in result.stderr


def test_cli_check_fails_clearly_for_an_unreachable_account(tmp_path):
    result = run_check(
        tmp_path,
        HUB_X__API_URL=f"http://127.0.0.1:{free_port()}",
        HUB_X__CONSUMER_KEY="ck",
        HUB_X__CONSUMER_SECRET="cs-secret",
        HUB_X__ACCESS_TOKEN="at",
        HUB_X__ACCESS_TOKEN_SECRET="ats-secret",
        HUB_X__BEARER_TOKEN="bearer-secret",
    )
    assert result.returncode == 1
    assert "x: NOT WORKING" in result.stdout
    assert "secret" not in result.stdout + result.stderr


def test_trainer_writes_a_citizen_comment_and_mention(installed_hub, actors, audit_rows):
    admin = actors["admin"]
    adapter = installed_hub.platforms.adapter(Platform.FACEBOOK)
    post = adapter.publish(PublishRequest(text="রাস্তা মেরামতের কাজ চলছে"))
    comment_id = installed_hub.trainer.add_comment(
        admin, post.platform_post_id, "৬৫ নম্বর ওয়ার্ডে জল জমেছে", "রিনা দাস"
    )
    comments = installed_hub.trainer.comments(admin, post.platform_post_id)
    assert [c.id for c in comments] == [comment_id]
    assert comments[0].author == "রিনা দাস" and not comments[0].by_page
    mention_id = installed_hub.trainer.add_mention(admin, "street light off in ward 12", "@rina_d")
    mentions = installed_hub.trainer.x_mentions(admin)
    assert mentions[0].id == mention_id and mentions[0].author == "@rina_d"
    assert mentions[0].text.startswith("@KMC_Kolkata")
    assert audit_rows(action="sandbox_add_comment") and audit_rows(action="sandbox_add_mention")


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda t, a, p: t.add_comment(a, p, "   ", "Rina"), InvalidInput),
        (lambda t, a, p: t.add_comment(a, p, "hello", ""), InvalidInput),
        (lambda t, a, p: t.add_comment(a, "1_2", "hello", "Rina"), NotFound),
        (lambda t, a, p: t.add_mention(a, "hello", "রিনা"), InvalidInput),
        (lambda t, a, p: t.add_mention(a, "x" * 9000, "rina"), InvalidInput),
    ],
)
def test_trainer_refuses_bad_input(installed_hub, actors, call, error):
    post = installed_hub.sandbox.graph.seed_post("A post")
    with pytest.raises(error):
        call(installed_hub.trainer, actors["admin"], post)


def test_trainer_needs_the_sandbox_role_and_a_running_sandbox(hub, actor_of_role):
    with pytest.raises(PermissionDenied):
        hub.trainer.page_posts(actor_of_role[Role.IT])
    with pytest.raises(ConfigurationError, match="sandbox is not running"):
        hub.trainer.page_posts(actor_of_role[Role.ADMIN])
