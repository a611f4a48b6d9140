"""One typed settings object, loaded once at process start and passed along.

Sources, strongest first: arguments given in code, environment variables with the prefix
``HUB_`` (nested with ``__``, e.g. ``HUB_FACEBOOK__PAGE_TOKEN``), then a TOML file (the path in
``HUB_CONFIG_FILE``, else ``./hub.toml`` when it exists). Secrets are ``SecretStr``: their
``repr`` and ``str`` show ``**********``, so they stay out of logs, tracebacks and pages.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from hub.errors import ConfigurationError
from hub.ward_lists import boroughs_from

DEFAULT_CONFIG_FILE = Path("hub.toml")


class OidcSettings(BaseModel):
    """An OpenID Connect provider; when set, people log in with it through ``st.login``."""

    client_id: str
    client_secret: SecretStr
    server_metadata_url: str
    redirect_uri: str = "http://localhost:8501/oauth2callback"
    cookie_secret: SecretStr


# The credentials the sandbox accepts. They are not secrets: they open nothing but the
# sandbox, and the adapters are given them when no real account is configured. Here, not in
# hub/sandbox/, so that choosing them never loads the sandbox itself.
SANDBOX_FACEBOOK = {
    "page_id": "1000000000000001",
    "page_token": "sandbox-page-token",
    "app_secret": "sandbox-app-secret",
    "webhook_verify_token": "sandbox-verify-token",
}
SANDBOX_X = {
    "user_id": "1500000000000000001",
    "consumer_key": "sandbox-consumer-key",
    "consumer_secret": "sandbox-consumer-secret",
    "access_token": "sandbox-access-token",
    "access_token_secret": "sandbox-access-secret",
    "bearer_token": "sandbox-bearer-token",
}


SANDBOX_WHATSAPP = {
    "waba_id": "102000000000001",
    "phone_number_id": "109000000000001",
    "display_phone_number": "+91 33 2286 1000",
    "access_token": "sandbox-whatsapp-token",
    "app_secret": "sandbox-whatsapp-app-secret",
    "webhook_verify_token": "sandbox-whatsapp-verify-token",
}


class SandboxSettings(BaseModel):
    """The platform sandbox that stands in for Facebook and X on the embedded default."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = 8599
    # None: <data_dir>/sandbox.duckdb
    state_path: Path | None = None
    simulator_enabled: bool = True
    simulator_interactions_per_minute: float = 2.0
    simulator_seed: int = 2026

    @property
    def url(self) -> str:
        """The URL the adapters use for the sandbox."""
        return f"http://{self.host}:{self.port}"


class FacebookSettings(BaseModel):
    """The city's Facebook Page. Empty URL or token with the sandbox on: the sandbox's."""

    graph_url: str = ""
    graph_version: str = "v24.0"
    page_id: str = ""
    page_token: SecretStr = SecretStr("")
    app_secret: SecretStr = SecretStr("")
    webhook_verify_token: SecretStr = SecretStr("")
    timeout_seconds: float = 20.0


class XSettings(BaseModel):
    """The city's X account (API v2). Empty URL or keys with the sandbox on: the sandbox's."""

    api_url: str = ""
    user_id: str = ""
    consumer_key: SecretStr = SecretStr("")
    consumer_secret: SecretStr = SecretStr("")
    access_token: SecretStr = SecretStr("")
    access_token_secret: SecretStr = SecretStr("")
    bearer_token: SecretStr = SecretStr("")
    timeout_seconds: float = 20.0
    # X's prices per use, in US dollars (hub.platforms.x_usage). Placeholders: set them from
    # X's price list for the city's account; the budget (None: none) slows the mentions poll.
    price_owned_read: float = Field(default=0.001, ge=0)
    price_post_created: float = Field(default=0.01, ge=0)
    price_post_with_link: float = Field(default=0.02, ge=0)
    monthly_budget: float | None = Field(default=None, ge=0)


class WhatsAppNumber(BaseModel):
    """One of the city's WhatsApp Business numbers: one for the city, or one per department."""

    phone_number_id: str
    display_phone_number: str = ""
    # A department's own number: what arrives there goes to that department unless the
    # message itself names another. None: the city's number, routed by the message.
    department: str | None = None


class Open311Settings(BaseModel):
    """The Open311 GeoReport v2 endpoint (`/open311/v2/`) civic apps file and read reports by."""

    # Open311's optional jurisdiction_id: a request naming another is refused.
    jurisdiction_id: str = "kolkata.gov.in"
    # Reports one application key may file a minute, and reads one source may make a minute.
    posts_per_minute: int = Field(default=30, ge=1)
    reads_per_minute: int = Field(default=300, ge=1)
    max_description_chars: int = Field(default=4000, ge=100)
    # GET requests: the default window and the most rows one answer carries (the spec's).
    window_days: int = Field(default=90, ge=1)
    max_rows: int = Field(default=1000, ge=1)


class NoticeSettings(BaseModel):
    """Notices to subscribers (`hub.notices`): the morning digest and the approved templates."""

    # The morning digest of field work goes at this time, Kolkata (07:00 by default).
    digest_hour: int = Field(default=7, ge=0, le=23)
    digest_minute: int = Field(default=0, ge=0, le=59)
    # The approved templates: a notice at once ({{1}} wards, {{2}} the notice) and the digest
    # ({{1}} the date, {{2}} the day's notices).
    notice_template: str = "service_notice"
    digest_template: str = "morning_digest"
    # The number's messaging tier: unique people written to first in 24 hours (Meta starts a
    # number at 1,000; 0: unlimited, the highest tier). Beyond it, notices wait.
    recipients_per_day: int = Field(default=1000, ge=0)


class WhatsAppSettings(BaseModel):
    """The city's WhatsApp Business Account (Cloud API). Empty URL with the sandbox on: the
    sandbox's number and credentials."""

    api_url: str = ""
    api_version: str = "v24.0"
    waba_id: str = ""
    access_token: SecretStr = SecretStr("")
    app_secret: SecretStr = SecretStr("")
    webhook_verify_token: SecretStr = SecretStr("")
    numbers: list[WhatsAppNumber] = Field(default_factory=list)
    timeout_seconds: float = 20.0
    # A citizen's messages less than this many minutes apart are one burst: one ticket.
    burst_minutes: int = Field(default=10, ge=0, le=24 * 60)
    # Each department's acknowledgement deadline unless it set its own (minutes).
    acknowledge_deadline_minutes: int = Field(default=15, ge=1, le=24 * 60)
    # The approved template (Meta approves it per language, Bengali and English) that carries
    # a reference number and a text when the 24-hour window is closed.
    status_template: str = "complaint_status_update"
    # How long a message whose answer was lost waits for its delivery status before a person
    # is asked to check (it is never sent again blind).
    status_grace_seconds: int = Field(default=120, ge=0)
    # Attachments: what is downloaded and kept (WhatsApp's own limits are higher for some).
    media_max_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    audio_max_seconds: int = Field(default=600, ge=1)
    document_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    media_download_attempts: int = Field(default=5, ge=1)
    # Each number's throughput (Meta's default 80 messages a second; higher when granted): the
    # hub sends no faster, from up to `senders` threads at once. A sender waits for each
    # answer, so senders x messages a second per sender must reach the throughput: 16 reach
    # 80 a second when Meta answers in 200 ms, and 1,000 a second on the sandbox's loopback
    # (raise it with a higher tier: about the throughput times the answer time, so 200 for
    # 1,000 a second at 200 ms; the adapter keeps a connection open for each sender).
    messages_per_second: float = Field(default=80.0, gt=0)
    # The share of it the hub uses: the rest is headroom for the clocks of two machines (a
    # refusal for going over holds the number for 2 s).
    pace_share: float = Field(default=0.95, gt=0, le=1)
    senders: int = Field(default=16, ge=1, le=512)
    # The desk's quick pass (attachments, acknowledgements, answers): how often it runs.
    desk_interval_seconds: int = Field(default=2, ge=1)


class Settings(BaseSettings):
    """Everything the hub can be told, with the embedded default as the default."""

    model_config = SettingsConfigDict(
        env_prefix="HUB_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    data_dir: Path = Path("data")
    # None: <data_dir>/hub.duckdb
    database_path: Path | None = None
    departments_file: Path = Path("departments.csv")

    server_address: str = "127.0.0.1"
    server_port: int = 8501
    display_timezone: str = "Asia/Kolkata"
    reference_prefix: str = "KMC"
    # Where citizens reach the hub's public pages: the tracking link in replies and
    # acknowledgements is <public_url>/track/<reference>.
    public_url: str = "http://localhost:8501"
    # Login sessions (hub.sessions): idle and absolute expiry.
    session_idle_hours: float = Field(default=12, gt=0)
    session_max_days: float = Field(default=7, gt=0)
    # The municipality's code in exports and the state roll-up (hub.rollup).
    municipality: str = "KMC"
    # The city's boroughs, each with its wards as written ("1-9", "10, 12-14"), so that a
    # notice can name "borough 7" (hub.ward_lists). None are shipped: the city writes its
    # own, in hub.toml as [boroughs] 7 = "56-60, 62", or HUB_BOROUGHS='{"7": "56-60, 62"}'.
    boroughs: dict[int, str] = Field(default_factory=dict)

    # Login lockout: after `lockout_threshold` failures in a row the account is locked for
    # `lockout_base_seconds`, doubling with each further failure up to `lockout_max_seconds`.
    lockout_threshold: int = Field(default=5, ge=1)
    lockout_base_seconds: int = Field(default=30, ge=1)
    lockout_max_seconds: int = Field(default=900, ge=1)

    scheduler_enabled: bool = True
    heartbeat_seconds: int = Field(default=30, ge=1)

    # Officers' photos: decoded and checked, then re-encoded without metadata.
    photo_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    photo_max_megapixels: float = Field(default=40.0, gt=0)
    # A project launch must be notified this many hours before the event.
    launch_notice_hours: int = Field(default=24, ge=0)
    # The publisher: how often it runs, and how late a missed post may still go out.
    # 10 s: a post due at 10:00 starts going out by 10:00:10 (a quiet cycle is one query).
    publish_interval_seconds: int = Field(default=10, ge=1)
    catch_up_window_minutes: int = Field(default=120, ge=0)
    max_publish_attempts: int = Field(default=8, ge=1)
    # Pulling citizens' comments and mentions: how often, and how far back posts are watched.
    pull_interval_seconds: int = Field(default=60, ge=1)
    # Routing new interactions into tickets, and checking response targets.
    triage_interval_seconds: int = Field(default=60, ge=1)
    pull_lookback_days: int = Field(default=14, ge=1)
    # The public webhook routes: bodies over this are refused with 413 before they are read
    # (Meta's payloads are a few KB), and a source refused this many times in a minute is
    # answered 429 with no work until the minute is over.
    webhook_max_body_bytes: int = Field(default=512 * 1024, ge=1024)
    # Backups (hub.backup): where (None: <data>/backups; another disk is better), how many are
    # kept, and the hour (Kolkata time) of the nightly one.
    backup_dir: Path | None = None
    backup_keep: int = Field(default=7, ge=1)
    backup_hour: int = Field(default=2, ge=0, le=23)
    # Personal data (hub.privacy): the platforms' raw payloads and old edit texts are kept
    # this many days after the hub first saw them, then dropped by the nightly job.
    raw_retention_days: int = Field(default=90, ge=1)
    # Citizens' WhatsApp attachments (photos, recordings, documents) are kept this long.
    media_retention_days: int = Field(default=365, ge=1)
    webhook_refusals_per_minute: int = Field(default=30, ge=1)

    oidc: OidcSettings | None = None
    sandbox: SandboxSettings = SandboxSettings()
    facebook: FacebookSettings = FacebookSettings()
    x: XSettings = XSettings()
    whatsapp: WhatsAppSettings = WhatsAppSettings()
    open311: Open311Settings = Open311Settings()
    notices: NoticeSettings = NoticeSettings()

    @field_validator("boroughs")
    @classmethod
    def _boroughs_are_wards(cls, value: dict[int, str]) -> dict[int, str]:
        boroughs_from(value)  # raises ValueError naming every problem
        return value

    @property
    def borough_wards(self) -> dict[int, tuple[int, ...]]:
        """Each borough's number and its wards."""
        return boroughs_from(self.boroughs)

    @field_validator("display_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from exc
        return value

    @property
    def db_path(self) -> Path:
        """Where the hub's DuckDB file lives."""
        return self.database_path or self.data_dir / "hub.duckdb"

    @property
    def photos_dir(self) -> Path:
        """Where officers' photos are stored, under random names."""
        return self.data_dir / "photos"

    @property
    def backup_folder(self) -> Path:
        """Where backups go (`hub.backup`): HUB_BACKUP_DIR, else <data>/backups."""
        return self.backup_dir or self.data_dir / "backups"

    @property
    def sandbox_state_path(self) -> Path:
        """Where the sandbox keeps its own state."""
        return self.sandbox.state_path or self.data_dir / "sandbox.duckdb"

    @property
    def display_zone(self) -> ZoneInfo:
        """The zone times are shown in."""
        return ZoneInfo(self.display_timezone)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = _config_file_path()
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_path))
        return tuple(sources)


def _config_file_path() -> Path | None:
    explicit = os.environ.get("HUB_CONFIG_FILE")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigurationError(
                f"HUB_CONFIG_FILE points to {path}, which is not a file: "
                "fix the path or unset HUB_CONFIG_FILE."
            )
        return path
    return DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.is_file() else None


def load_settings(**overrides: Any) -> Settings:
    """Load the settings once, turning validation errors into one readable message."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            where = ".".join(str(part) for part in err["loc"]) or "settings"
            # Never echo the input: it may be a secret.
            lines.append(f"{where}: {err['msg']}")
        raise ConfigurationError(
            "the settings are not valid; fix these (environment HUB_..., or hub.toml):\n"
            + "\n".join(f"- {line}" for line in lines)
        ) from None
