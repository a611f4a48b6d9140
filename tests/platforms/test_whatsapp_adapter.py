"""Contract tests: WhatsAppAdapter over real HTTP against the sandbox's Cloud API on loopback.

No mocks: faults are the sandbox's own (`Fault`, an expired token, a rate-limit storm), the
24-hour window and the templates are the sandbox's rules, media are uploaded and downloaded.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hub.config import SANDBOX_WHATSAPP, WhatsAppSettings
from hub.errors import (
    ConfigurationError,
    ContentRejected,
    OutcomeUnknown,
    RateLimited,
    TemplateMissing,
    TemporaryFailure,
    TokenExpired,
    Undeliverable,
    WindowClosed,
    Withdrawn,
)
from hub.platforms.base import Channel, OutgoingMessage, Platform, SendsMessages, TemplateMessage
from hub.platforms.whatsapp import Pacer, WhatsAppAdapter
from hub.sandbox.server import Fault, SandboxApp, SandboxServer
from hub.sandbox.whatsapp_api import WhatsAppSandbox, install_whatsapp_api

NUMBER = SANDBOX_WHATSAPP["phone_number_id"]
CITIZEN = "919830012345"
MESSAGES = rf"^POST /v24\.0/{NUMBER}/messages$"


class MovableClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Sandbox:
    app: SandboxApp
    whatsapp: WhatsAppSandbox
    server: SandboxServer
    clock: MovableClock


@pytest.fixture
def sandbox(tmp_path: Path):
    clock = MovableClock()
    app = SandboxApp(tmp_path / "sandbox.duckdb")
    whatsapp = install_whatsapp_api(app, clock=clock, **SANDBOX_WHATSAPP)
    server = SandboxServer(app).start()
    yield Sandbox(app, whatsapp, server, clock)
    server.stop()
    app.close()


def sandbox_adapter(sandbox: Sandbox, **options) -> WhatsAppAdapter:
    """An adapter for the sandbox's number (`options`: its timeout, pace, connections)."""
    return WhatsAppAdapter(
        sandbox.server.url,
        "v24.0",
        SANDBOX_WHATSAPP["waba_id"],
        SANDBOX_WHATSAPP["access_token"],
        {NUMBER: SANDBOX_WHATSAPP["display_phone_number"]},
        **options,
    )


@pytest.fixture
def adapter(sandbox: Sandbox) -> WhatsAppAdapter:
    return sandbox_adapter(sandbox, timeout=5)


def text_to(to: str, text: str, key: str = "reply-1", context: str | None = None):
    return OutgoingMessage(to=to, from_number=NUMBER, key=key, text=text, context_id=context)


def test_a_messaging_channel_by_type(adapter):
    assert isinstance(adapter, Channel) and isinstance(adapter, SendsMessages)
    assert adapter.platform is Platform.WHATSAPP
    caps = adapter.check()
    assert caps.can_reply and not caps.can_publish
    assert any("TIER_1K" in note for note in caps.notes)


def test_a_reply_in_context_inside_the_window_carries_the_key(sandbox, adapter):
    incoming = sandbox.whatsapp.citizen_sends(CITIZEN, "Rina", text="জল নেই", deliver=False)
    sent = adapter.send_message(text_to(CITIZEN, "নথিভুক্ত: KMC-2026-000001", "ack-7", incoming))
    assert sent.platform_post_id.startswith("wamid.")
    out = sandbox.whatsapp.sent_messages()
    assert [(m["wa_id"], m["text"], m["context_id"], m["callback"]) for m in out] == [
        (CITIZEN, "নথিভুক্ত: KMC-2026-000001", incoming, "ack-7")
    ]


def test_free_text_after_24_hours_is_window_closed_and_a_template_goes(sandbox, adapter):
    sandbox.whatsapp.citizen_sends(CITIZEN, text="hello", deliver=False)
    sandbox.clock.now += timedelta(hours=24, minutes=1)
    with pytest.raises(WindowClosed):
        adapter.send_message(text_to(CITIZEN, "an answer"))
    template = TemplateMessage("complaint_status_update", "en", ("KMC-2026-000001", "Fixed."))
    adapter.send_message(
        OutgoingMessage(to=CITIZEN, from_number=NUMBER, key="k", template=template)
    )
    assert sandbox.whatsapp.sent_messages()[-1]["text"].endswith("KMC-2026-000001: Fixed.")


def test_a_template_missing_in_a_language_sends_nothing(sandbox, adapter):
    template = TemplateMessage("complaint_registered", "hi", ("KMC-2026-000001", "x"))
    with pytest.raises(TemplateMissing, match="language"):
        adapter.send_message(
            OutgoingMessage(to=CITIZEN, from_number=NUMBER, key="k", template=template)
        )
    wrong_count = TemplateMessage("complaint_registered", "bn", ("KMC-2026-000001",))
    with pytest.raises(ContentRejected, match="132000"):
        adapter.send_message(
            OutgoingMessage(to=CITIZEN, from_number=NUMBER, key="k", template=wrong_count)
        )
    assert sandbox.whatsapp.sent_messages() == []


@pytest.mark.parametrize(("code", "wait"), [(130429, 2.0), (80007, 60.0)])
def test_rate_limit_codes_say_wait(sandbox, adapter, code, wait):
    sandbox.whatsapp.citizen_sends(CITIZEN, text="hi", deliver=False)
    sandbox.app.inject(
        Fault(MESSAGES, "status", 400, {"error": {"code": code, "message": "Rate limit hit"}})
    )
    with pytest.raises(RateLimited) as caught:
        adapter.send_message(text_to(CITIZEN, "x"))
    assert caught.value.retry_after_seconds == wait and caught.value.code == code


def test_too_many_to_one_person_holds_that_message_not_the_number(sandbox, adapter):
    sandbox.whatsapp.citizen_sends(CITIZEN, text="hi", deliver=False)
    sandbox.whatsapp.pair_limit = 2
    adapter.send_message(text_to(CITIZEN, "one"))
    adapter.send_message(text_to(CITIZEN, "two"))
    with pytest.raises(TemporaryFailure) as caught:
        adapter.send_message(text_to(CITIZEN, "three"))
    assert caught.value.code == 131056


def test_the_throughput_limit_is_the_sandbox_own(sandbox, adapter):
    sandbox.whatsapp.citizen_sends(CITIZEN, text="hi", deliver=False)
    sandbox.whatsapp.throughput_per_second = 2
    # A hub told its number takes 100 a second, when the platform takes 2.
    hasty = sandbox_adapter(sandbox, messages_per_second=100)
    hasty.send_message(text_to(CITIZEN, "one"))
    hasty.send_message(text_to(CITIZEN, "two"))
    with pytest.raises(RateLimited):
        hasty.send_message(text_to(CITIZEN, "three"))


def test_a_send_is_answered_while_the_sandbox_writes_earlier_ones(sandbox):
    # The sandbox writes sent messages to its file 200 at a time. While one such write is
    # under way (here: held), sends past the 200th are still answered at once; they used to
    # wait for the write, and a large send went at the sandbox's pace, not the platform's.
    sandbox.whatsapp.citizen_sends(CITIZEN, text="hi", deliver=False)
    sandbox.whatsapp.throughput_per_second = 10_000
    quick = sandbox_adapter(sandbox, timeout=3, messages_per_second=10_000)
    with sandbox.whatsapp._flush_lock:
        for number in range(250):
            quick.send_message(text_to(CITIZEN, f"message {number}", key=f"key-{number}"))
    # Nothing is lost: every send is in the file once a reader asks.
    sent = [m["text"] for m in sandbox.whatsapp.sent_messages() if m["wa_id"] == CITIZEN]
    assert sorted(sent) == sorted(f"message {number}" for number in range(250))


def paced_adapter(sandbox, per_second: float, *, pace_share: float) -> WhatsAppAdapter:
    """The sandbox's number at `per_second` messages a second, of which `pace_share` used."""
    return sandbox_adapter(
        sandbox, timeout=5, messages_per_second=per_second, pace_share=pace_share
    )


def test_the_hub_keeps_to_its_numbers_pace(sandbox):
    import time

    sandbox.whatsapp.citizen_sends(CITIZEN, text="hi", deliver=False)
    paced = paced_adapter(sandbox, 20, pace_share=0.95)
    started = time.monotonic()
    for n in range(10):
        paced.send_message(text_to(CITIZEN, f"message {n}"))
    # 10 messages at 95 % of 20 a second: at least 9 gaps of 1/19 s.
    assert time.monotonic() - started >= 9 / 19


@pytest.mark.parametrize(("connections", "discarded"), [(48, False), (8, True)])
def test_every_sender_keeps_its_connection(sandbox, caplog, connections, discarded):
    # 48 senders at once (three queues of 16): with a connection kept for each, none is
    # opened and closed for one message (a new TCP and TLS handshake to Meta each time).
    citizens = [f"91983002{n:04d}" for n in range(48)]
    for citizen in citizens:
        sandbox.whatsapp.citizen_sends(citizen, text="hi", deliver=False)
    sandbox.whatsapp.throughput_per_second = 100_000
    senders = sandbox_adapter(
        sandbox, timeout=5, messages_per_second=100_000, connections=connections
    )
    start = threading.Barrier(48)
    failures: list[Exception] = []

    def send(n: int) -> None:
        start.wait()
        for round_ in range(3):
            try:
                senders.send_message(text_to(citizens[n], f"message {round_}", key=f"k-{n}"))
            except Exception as exc:  # counted: the assertion below names them
                failures.append(exc)

    caplog.set_level("WARNING", logger="urllib3.connectionpool")
    threads = [threading.Thread(target=send, args=(n,)) for n in range(48)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(sandbox.whatsapp.sent_messages()) == 48 * 3
    full = [r for r in caplog.records if "Connection pool is full" in r.getMessage()]
    assert bool(full) is discarded


def test_the_adapter_from_settings_keeps_a_connection_per_sender_of_each_queue():
    settings = WhatsAppSettings(
        access_token="token", numbers=[{"phone_number_id": NUMBER}], senders=200
    )
    adapter = WhatsAppAdapter.from_settings(settings)
    assert adapter.connections == 600


def test_an_expired_token_is_token_expired_without_the_token(sandbox, adapter):
    sandbox.whatsapp.expire_token()
    with pytest.raises(TokenExpired) as caught:
        adapter.send_message(text_to(CITIZEN, "x"))
    assert SANDBOX_WHATSAPP["access_token"] not in str(caught.value)


def test_undeliverable_and_service_errors_map(sandbox, adapter):
    sandbox.app.inject(
        Fault(MESSAGES, "status", 400, {"error": {"code": 131026, "message": "Undeliverable"}})
    )
    with pytest.raises(Undeliverable):
        adapter.send_message(text_to(CITIZEN, "x"))
    sandbox.app.inject(Fault(MESSAGES, "status", 500, {"error": {"code": 131000}}))
    with pytest.raises(TemporaryFailure):
        adapter.send_message(text_to(CITIZEN, "x"))


def test_an_answer_lost_after_sending_is_outcome_unknown(sandbox, adapter):
    sandbox.whatsapp.citizen_sends(CITIZEN, text="hi", deliver=False)
    sandbox.app.inject(Fault(MESSAGES, "drop_after"))
    with pytest.raises(OutcomeUnknown):
        adapter.send_message(text_to(CITIZEN, "x", key="lost-1"))
    # It was sent: the status carries our key back (what reconciliation reads).
    assert [m["callback"] for m in sandbox.whatsapp.sent_messages()] == ["lost-1"]


def test_nothing_listening_is_a_temporary_failure():
    adapter = WhatsAppAdapter("http://127.0.0.1:9", "v24.0", "w", "t", {NUMBER: ""}, timeout=2)
    with pytest.raises(TemporaryFailure, match="nothing was done"):
        adapter.send_message(text_to(CITIZEN, "x"))


def test_media_downloads_once_and_the_address_expires(sandbox, adapter):
    content = b"OggS" + bytes(range(200))
    media_id = sandbox.whatsapp.store_media(content, "audio/ogg; codecs=opus")
    got = adapter.download_media(media_id, max_bytes=10_000)
    assert got.content == content
    assert got.declared_sha256 == hashlib.sha256(content).hexdigest()
    assert got.declared_mime_type.startswith("audio/ogg")
    with pytest.raises(ContentRejected, match="at most 100"):
        adapter.download_media(media_id, max_bytes=100)


def test_an_expired_media_address_is_temporary(sandbox, adapter):
    media_id = sandbox.whatsapp.store_media(b"x" * 50, "image/jpeg")
    sandbox.app.inject(Fault(r"^GET /v24\.0/media-download/", "status", 404, {"error": {}}))
    with pytest.raises(ContentRejected):
        adapter.download_media(media_id, max_bytes=10_000)


def test_mark_read_and_unknown_message(sandbox, adapter):
    incoming = sandbox.whatsapp.citizen_sends(CITIZEN, text="hi", deliver=False)
    adapter.mark_read(NUMBER, incoming)
    with pytest.raises(ContentRejected):
        adapter.mark_read(NUMBER, "wamid.unknown")


def test_no_token_or_no_number_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="ACCESS_TOKEN"):
        WhatsAppAdapter("", "v24.0", "", "", {NUMBER: ""})
    with pytest.raises(ConfigurationError, match="NUMBERS"):
        WhatsAppAdapter("", "v24.0", "", "token", {})


def test_a_message_withdrawn_while_it_waited_for_the_pace_is_not_sent(sandbox):
    # Two a second: the second message waits half a second for its turn, and the citizen's
    # STOP comes meanwhile; it is asked at the last moment, so nothing reaches WhatsApp.
    paced = paced_adapter(sandbox, 2, pace_share=1.0)
    sandbox.whatsapp.citizen_sends(CITIZEN, text="hi", deliver=False)
    stopped: list[str] = []
    paced.send_message(text_to(CITIZEN, "first", key="w-1"))
    second = OutgoingMessage(
        to=CITIZEN,
        from_number=NUMBER,
        key="w-2",
        text="second",
        withdrawn=lambda: "the subscriber sent STOP" if stopped else None,
    )
    # The STOP comes 0.2 s into the half second the second message waits for its turn.
    timer = threading.Timer(0.2, stopped.append, [CITIZEN])
    timer.start()
    with pytest.raises(Withdrawn, match="STOP"):
        paced.send_message(second)
    timer.join()
    assert [m["callback"] for m in sandbox.whatsapp.sent_messages()] == ["w-1"]


def test_the_pace_makes_up_missed_slots_but_never_runs_ahead():
    import time

    # 200 a second, up to 10 missed slots made up: after a quiet spell the first 11 calls go
    # at once, then the pace holds again; in any stretch there are at most 200 a second
    # plus the 11.
    pacer = Pacer(200, catch_up=10)
    pacer.wait()
    time.sleep(0.2)
    calls = []
    for _ in range(60):
        pacer.wait()
        calls.append(time.monotonic())
    assert calls[10] - calls[0] < 0.02
    assert calls[-1] - calls[0] >= (60 - 11) / 200
    for i, start in enumerate(calls):
        within = [t for t in calls[i:] if t - start <= 0.1]
        assert len(within) <= 0.1 * 200 + 11 + 1


def test_without_catch_up_a_missed_slot_is_lost():
    import time

    pacer = Pacer(100)
    pacer.wait()
    time.sleep(0.05)
    started = time.monotonic()
    pacer.wait()
    pacer.wait()
    assert time.monotonic() - started >= 0.009
