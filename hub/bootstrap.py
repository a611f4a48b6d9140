"""Where the hub's parts are wired together, once, at process start.

`build_hub` opens the store and builds the services; the process's composition root
(`ui/server.py` for the web process, `hub.cli` for commands) calls it, then `install`s the
result so the Streamlit pages of this process can reach it with `current()`. Nothing is
built at import time.
"""

from __future__ import annotations

import gc
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from hub.accounts import AccountService
from hub.answering.replies import ReplyService
from hub.answering.templates import TemplateService
from hub.answering.whatsapp_desk import WhatsAppDesk
from hub.audit import AuditLog
from hub.backup import BackupService
from hub.city_map import CityMapService
from hub.config import Settings
from hub.delivery.holds import AccountHolds
from hub.departments import DepartmentService
from hub.desk_cycle import DeskCycle
from hub.errors import ConfigurationError
from hub.health import Heartbeats, health_report
from hub.home import HomeService
from hub.inbox.evidence import EvidenceLimits, EvidenceStore, TicketAttachments
from hub.inbox.interactions import InteractionStore
from hub.inbox.journal import DeliveryJournal
from hub.inbox.open311 import Open311Intake
from hub.inbox.pull import PullService
from hub.inbox.webhooks import SignedWebhookGuard, WebhookReceiver
from hub.inbox.whatsapp import WHATSAPP_ACTOR, WHATSAPP_ROUTE, WhatsAppReceiver
from hub.inbox.whatsapp_media import MediaFetcher
from hub.metrics import MetricsService
from hub.notices.notices import NoticeService
from hub.notices.sending import NoticeSender
from hub.notices.subscriptions import SubscriptionService
from hub.open311.clients import Open311Clients
from hub.open311.georeport import GeoReport
from hub.platforms.base import Platform
from hub.platforms.registry import (
    AccountCheck,
    PlatformAccounts,
    check_accounts,
    configured_accounts,
    effective_facebook_settings,
    effective_whatsapp_settings,
    effective_x_settings,
)
from hub.platforms.x_usage import XUsageMeter
from hub.privacy import PrivacyService
from hub.publishing.calendar import ScheduleService
from hub.publishing.photos import PhotoLimits, PhotoStore
from hub.publishing.publisher import Publisher
from hub.publishing.review import ReviewService
from hub.publishing.updates import UpdateService
from hub.rollup import ExportService
from hub.sandbox.runtime import (
    RunningSandbox,
    sandbox_is_listening,
    sandbox_url,
    start_sandbox,
)
from hub.sandbox.simulator import load_corpus
from hub.sandbox.trainer import SandboxTrainer
from hub.sessions import SessionService
from hub.store import Store
from hub.tickets.board import BoardService
from hub.tickets.public import PublicTickets
from hub.tickets.service import MessageRules, TicketService
from hub.wards import WardMap
from hub.weekly_report import WeeklyReportService


@dataclass
class Hub:
    """The services of one hub process, sharing one store."""

    settings: Settings
    store: Store
    audit: AuditLog
    accounts: AccountService
    departments: DepartmentService
    home: HomeService
    heartbeats: Heartbeats
    platforms: PlatformAccounts
    trainer: SandboxTrainer
    # Publishing: officers' updates and photos, IT's review, the calendar of posts.
    photos: PhotoStore
    updates: UpdateService
    review: ReviewService
    schedule: ScheduleService
    publisher: Publisher
    # What X charges the city for: reads and posts, this month's spend (IT's page).
    x_usage: XUsageMeter
    # Citizens' interactions: stored once, pulled on a schedule, received by webhook.
    interactions: InteractionStore
    pull: PullService
    webhooks: WebhookReceiver
    # WhatsApp: the webhook (messages and statuses stored once), attachments kept as
    # evidence, the desk's own answers, and the desk's quick cycle that ties them together.
    whatsapp_webhooks: WhatsAppReceiver
    evidence: EvidenceStore
    attachments: TicketAttachments
    whatsapp_media: MediaFetcher
    whatsapp_desk: WhatsAppDesk
    desk_cycle: DeskCycle
    # Notices: who follows which wards, what the departments announce, their messages.
    subscriptions: SubscriptionService
    notices: NoticeService
    notice_sender: NoticeSender
    # Answering: reply templates, and the replies sent in the citizen's thread exactly once.
    templates: TemplateService
    replies: ReplyService
    # Triage: tickets with reference numbers, the board, targets and escalations.
    tickets: TicketService
    board: BoardService
    # Response-time and publishing figures for the commissioner (no dashboard page yet).
    metrics: MetricsService
    # The city map: the figures by ward, located reports and the departments' work.
    city_map: CityMapService
    # The printable weekly report for the commissioner's review meeting (from `metrics`).
    weekly_report: WeeklyReportService
    # What anyone may read of a ticket (tracking page, Open311), and Open311 itself: the
    # applications' keys and the GeoReport v2 resources.
    public_tickets: PublicTickets
    open311_clients: Open311Clients
    open311: GeoReport
    # Logins that survive a reload (server-side sessions behind an HttpOnly cookie).
    sessions: SessionService
    # Backups while serving, the nightly one, and what `/healthz` says of the last.
    backups: BackupService
    # Retention of raw payloads and erasure on a citizen's request.
    privacy: PrivacyService
    # The Parquet export a state roll-up reads (hub.rollup).
    exports: ExportService
    # Set by the composition root once started; read by health and the IT pages.
    scheduler: Any = None
    sandbox: RunningSandbox | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def attach_sandbox(self, sandbox: RunningSandbox) -> None:
        """Use a started sandbox: accounts without a real endpoint now point at it."""
        self.sandbox = sandbox
        self.trainer.sandbox = sandbox
        self.platforms.replace(configured_accounts(self.settings, sandbox.url))

    def health(self) -> dict:
        """The `/healthz` report."""
        report = health_report(self.store, self.scheduler, self.heartbeats, self.settings.data_dir)
        last = self.backups.last()
        report["backup"] = {
            "last": last.name,
            "made_at": last.made_at.isoformat() if last.made_at else None,
            "complete": last.complete,
        }
        return report

    def close(self) -> None:
        """Stop the scheduler and the sandbox (if any) and close the store."""
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        if self.sandbox is not None:
            self.sandbox.stop()
            self.sandbox = self.trainer.sandbox = None
        self.whatsapp_webhooks.close()
        self.store.close()


# The cyclic garbage collector's thresholds for a hub process (Python's are 700, 10, 10).
# A pull parses platform pages into tens of thousands of small dicts and objects a batch,
# which live until the batch is stored: at 700 allocations a young collection ran every few
# comments, promoted the batch to the old generation and so set off full collections of the
# whole process, a quarter of ingest time (benchmarks/bench_ingest.py). Reference counting
# frees nearly all of it anyway; the collector is only for cycles, which now wait a little.
GC_THRESHOLDS = (50_000, 10, 10)


def tune_garbage_collector() -> None:
    """Set the process's collector thresholds for the hub's work (`GC_THRESHOLDS`)."""
    gc.set_threshold(*GC_THRESHOLDS)


def build_hub(settings: Settings, *, create: bool = True) -> Hub:
    """Open (and migrate) the store and build every service on it; the process's garbage
    collector is tuned for the hub at the same time (`tune_garbage_collector`)."""
    tune_garbage_collector()
    store = Store.open(settings.db_path, create=create)
    try:
        store.migrate()
    except Exception:
        store.close()
        raise
    audit = AuditLog(store)
    departments = DepartmentService(store, audit)
    photos = PhotoStore(settings.photos_dir, PhotoLimits.from_settings(settings))
    platforms = PlatformAccounts(audit, configured_accounts(settings, sandbox_url(settings)))
    triage = _triage_services(settings, store, audit, departments, platforms)
    # One hold per account for every kind the delivery engine sends.
    holds = AccountHolds(store, audit, platforms)
    # X's reads and posts, priced (the pull reads and the delivery engine posts).
    x_usage = XUsageMeter(store, settings)
    interactions = _interaction_store(settings, store)
    answering = _answering_services(settings, store, audit, platforms, holds, interactions, x_usage)
    whatsapp = _whatsapp_services(
        settings,
        store,
        audit,
        platforms,
        holds,
        triage["tickets"],
        answering["replies"],
        departments,
    )
    return Hub(
        settings=settings,
        store=store,
        audit=audit,
        accounts=(accounts := AccountService(store, audit, settings)),
        sessions=SessionService(store, audit, accounts, settings),
        departments=departments,
        home=HomeService(store, audit, departments, triage["board"]),
        heartbeats=Heartbeats(store),
        platforms=platforms,
        trainer=SandboxTrainer(audit),
        photos=photos,
        updates=(updates := UpdateService(store, audit, photos, settings)),
        review=ReviewService(store, audit, settings),
        schedule=ScheduleService(store, audit, settings),
        publisher=Publisher(
            store, audit, platforms, photos, settings, holds=holds, x_usage=x_usage
        ),
        x_usage=x_usage,
        **_interaction_services(settings, store, audit, platforms, x_usage, interactions),
        **answering,
        **whatsapp,
        **triage,
        **_open311_services(settings, store, audit, departments, triage["tickets"]),
        metrics=(metrics := MetricsService(store, audit)),
        city_map=CityMapService(
            metrics, updates, WardMap.shipped(), whatsapp["subscriptions"].ward_counts
        ),
        weekly_report=WeeklyReportService(metrics, departments),
        backups=BackupService(store, audit, settings),
        privacy=PrivacyService(store, audit, settings, evidence=whatsapp["evidence"]),
        exports=ExportService(store, audit, metrics, settings),
    )


def _open311_services(
    settings: Settings,
    store: Store,
    audit: AuditLog,
    departments: DepartmentService,
    tickets: TicketService,
) -> dict[str, Any]:
    public = PublicTickets(store, settings.public_url)
    clients = Open311Clients(store, audit)
    return {
        "public_tickets": public,
        "open311_clients": clients,
        "open311": GeoReport(
            settings,
            departments.all_departments,
            clients,
            Open311Intake(store),
            tickets.triage_new_interactions,
            public,
            WardMap.shipped(),
        ),
    }


def _triage_services(
    settings: Settings,
    store: Store,
    audit: AuditLog,
    departments: DepartmentService,
    platforms: PlatformAccounts,
) -> dict[str, Any]:
    """The ticket service (hiding spam through the platform adapters) and the board."""

    def hide_on_platform(platform: str, platform_id: str) -> None:
        # Looked up at each call: attaching the sandbox replaces the adapters.
        adapter = platforms.adapter(Platform(platform))
        if adapter is None:
            raise ConfigurationError(f"no {platform} account is configured: hide it there by hand.")
        adapter.hide(platform_id)

    whatsapp = effective_whatsapp_settings(settings, sandbox_url(settings))
    rules = MessageRules(
        settings.reference_prefix,
        number_departments={
            n.phone_number_id: n.department for n in whatsapp.numbers if n.department
        },
        ward_at=WardMap.shipped().ward_at,
    )
    return {
        "tickets": TicketService(
            store,
            audit,
            departments,
            settings,
            hide_on_platform=hide_on_platform,
            message_rules=rules,
        ),
        "board": BoardService(store, audit, settings),
    }


def _answering_services(
    settings: Settings,
    store: Store,
    audit: AuditLog,
    platforms: PlatformAccounts,
    holds: AccountHolds,
    interactions: InteractionStore,
    x_usage: XUsageMeter,
) -> dict[str, Any]:
    """The reply templates and the reply sender (which stores the city's X replies)."""
    templates = TemplateService(store, audit)
    return {
        "templates": templates,
        "replies": ReplyService(
            store,
            audit,
            platforms,
            settings,
            templates=templates,
            interactions=interactions,
            holds=holds,
            x_usage=x_usage,
        ),
    }


def _interaction_store(settings: Settings, store: Store) -> InteractionStore:
    """The interaction store, knowing the city's own accounts (their replies are the city's)."""
    # The Page id and X user id do not depend on where the sandbox listens.
    facebook = effective_facebook_settings(settings, sandbox_url(settings))
    x = effective_x_settings(settings, sandbox_url(settings))
    return InteractionStore(
        store, city_author_ids={Platform.FACEBOOK: facebook.page_id, Platform.X: x.user_id}
    )


def _interaction_services(
    settings: Settings,
    store: Store,
    audit: AuditLog,
    platforms: PlatformAccounts,
    x_usage: XUsageMeter,
    interactions: InteractionStore,
) -> dict[str, Any]:
    """The interaction store, the pull job's service and the Facebook webhook receiver."""
    # The app secret and verify token do not depend on where the sandbox listens either.
    facebook = effective_facebook_settings(settings, sandbox_url(settings))
    return {
        "interactions": interactions,
        "pull": PullService(
            store, audit, platforms, settings, interactions=interactions, x_usage=x_usage
        ),
        "webhooks": WebhookReceiver(
            store,
            audit,
            interactions,
            app_secret=facebook.app_secret.get_secret_value(),
            verify_token=facebook.webhook_verify_token.get_secret_value(),
            page_id=facebook.page_id,
            max_body_bytes=settings.webhook_max_body_bytes,
            refusals_per_minute=settings.webhook_refusals_per_minute,
        ),
    }


def _whatsapp_services(
    settings: Settings,
    store: Store,
    audit: AuditLog,
    platforms: PlatformAccounts,
    holds: AccountHolds,
    tickets: TicketService,
    replies: ReplyService,
    departments: DepartmentService,
) -> dict[str, Any]:
    """The WhatsApp webhook, attachments as evidence, the desk and its quick cycle, and the
    notices told to subscribers by WhatsApp."""
    whatsapp = effective_whatsapp_settings(settings, sandbox_url(settings))
    evidence_root = settings.data_dir / "evidence"
    evidence = EvidenceStore(
        evidence_root,
        PhotoStore(evidence_root / "photos", PhotoLimits.from_settings(settings)),
        EvidenceLimits(
            audio_max_bytes=whatsapp.media_max_bytes,
            audio_max_seconds=whatsapp.audio_max_seconds,
            document_max_bytes=whatsapp.document_max_bytes,
        ),
    )
    media = MediaFetcher(
        store,
        audit,
        platforms,
        evidence,
        max_bytes=whatsapp.media_max_bytes,
        max_attempts=whatsapp.media_download_attempts,
    )
    subscriptions = SubscriptionService(store, audit, departments, settings)
    desk = WhatsAppDesk(
        store, audit, platforms, settings, holds=holds, command_answers=subscriptions.answers_owed
    )

    def department_names(code: str) -> tuple[str, str]:
        department = departments.find(code)
        return (department.name_en, department.name_bn) if department else (code, code)

    notices = NoticeService(store, audit, settings, department_names)
    notice_sender = NoticeSender(
        store,
        audit,
        platforms,
        settings,
        notices,
        subscriptions.holds_back,
        department_names,
        holds=holds,
    )
    receiver = WhatsAppReceiver(
        store,
        audit,
        SignedWebhookGuard(
            store,
            audit,
            route=WHATSAPP_ROUTE,
            actor_name=WHATSAPP_ACTOR,
            app_secret=whatsapp.app_secret.get_secret_value(),
            verify_token=whatsapp.webhook_verify_token.get_secret_value(),
            max_body_bytes=settings.webhook_max_body_bytes,
            refusals_per_minute=settings.webhook_refusals_per_minute,
        ),
        {number.phone_number_id for number in whatsapp.numbers},
        DeliveryJournal(settings.data_dir / "whatsapp-journal.sqlite"),
        burst=timedelta(minutes=whatsapp.burst_minutes),
    )
    cycle = DeskCycle(receiver, media, tickets, replies, desk, subscriptions)
    # A delivery kept by the route wakes the desk: its next pass moves it in and answers.
    receiver.on_stored = cycle.wake
    # A STOP counts from the moment it is received, before the desk's pass carries it out.
    receiver.on_message = subscriptions.note_received
    # And a STOP received before a restart (kept, not yet carried out) counts again at once.
    subscriptions.recall_stops(receiver.kept_messages())
    return {
        "whatsapp_webhooks": receiver,
        "evidence": evidence,
        "attachments": TicketAttachments(store, audit, evidence),
        "whatsapp_media": media,
        "whatsapp_desk": desk,
        "desk_cycle": cycle,
        "subscriptions": subscriptions,
        "notices": notices,
        "notice_sender": notice_sender,
    }


_current: Hub | None = None
_current_lock = threading.Lock()


def install(hub: Hub) -> None:
    """Make `hub` the process's hub (one per process)."""
    global _current
    with _current_lock:
        if _current is not None and _current is not hub:
            raise ConfigurationError("a hub is already running in this process")
        _current = hub


def uninstall() -> Hub | None:
    """Forget the process's hub (on shutdown, and between tests); returns it."""
    global _current
    with _current_lock:
        hub, _current = _current, None
    return hub


def current() -> Hub:
    """The process's hub, as installed at process start."""
    if _current is None:
        raise ConfigurationError(
            "the hub is not running in this process: start it with `make run` or `hub serve`, "
            "not with `streamlit run app.py`."
        )
    return _current


def check_platform_accounts(settings: Settings) -> list[AccountCheck]:
    """Check each configured account (`hub platforms check`), with the sandbox if it is on.

    When no hub is running the sandbox is brought up just for the check, then stopped.
    """
    url = sandbox_url(settings)
    temporary = None
    if settings.sandbox.enabled and not sandbox_is_listening(settings):
        temporary = start_sandbox(settings)
        url = temporary.url
    try:
        return check_accounts(configured_accounts(settings, url))
    finally:
        if temporary is not None:
            temporary.stop()


def demo_corpus() -> list[dict[str, Any]]:
    """The labelled corpus of citizens' messages shipped with the sandbox (demo history)."""
    return load_corpus()
