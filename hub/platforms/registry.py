"""Which accounts the hub has, built from settings: real ones, or the sandbox's.

With the sandbox on, a platform whose base URL is not set is pointed at the sandbox with the
sandbox's credentials; a platform given a real URL keeps its own credentials.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from hub.audit import AuditLog
from hub.config import (
    SANDBOX_FACEBOOK,
    SANDBOX_WHATSAPP,
    SANDBOX_X,
    FacebookSettings,
    Settings,
    WhatsAppNumber,
    WhatsAppSettings,
    XSettings,
)
from hub.errors import ConfigurationError, HubError
from hub.permissions import Action, Actor
from hub.platforms.base import Capabilities, Channel, Platform
from hub.platforms.facebook import FacebookPageAdapter
from hub.platforms.whatsapp import WhatsAppAdapter
from hub.platforms.x import XAccountAdapter


def effective_facebook_settings(settings: Settings, sandbox_url: str) -> FacebookSettings:
    """The Facebook settings with the sandbox filled in where nothing real is configured."""
    facebook = settings.facebook
    if not settings.sandbox.enabled or facebook.graph_url:
        return facebook
    return facebook.model_copy(
        update={
            "graph_url": sandbox_url,
            "page_id": SANDBOX_FACEBOOK["page_id"],
            "page_token": SecretStr(SANDBOX_FACEBOOK["page_token"]),
            "app_secret": SecretStr(SANDBOX_FACEBOOK["app_secret"]),
            "webhook_verify_token": SecretStr(SANDBOX_FACEBOOK["webhook_verify_token"]),
        }
    )


def effective_x_settings(settings: Settings, sandbox_url: str) -> XSettings:
    """The X settings with the sandbox filled in where nothing real is configured."""
    x = settings.x
    if not settings.sandbox.enabled or x.api_url:
        return x
    return x.model_copy(
        update={
            "api_url": sandbox_url,
            "user_id": SANDBOX_X["user_id"],
            **{key: SecretStr(SANDBOX_X[key]) for key in SANDBOX_X if key != "user_id"},
        }
    )


def effective_whatsapp_settings(settings: Settings, sandbox_url: str) -> WhatsAppSettings:
    """The WhatsApp settings with the sandbox's number filled in where nothing real is set."""
    whatsapp = settings.whatsapp
    if not settings.sandbox.enabled or whatsapp.api_url:
        return whatsapp
    return whatsapp.model_copy(
        update={
            "api_url": sandbox_url,
            "waba_id": SANDBOX_WHATSAPP["waba_id"],
            "access_token": SecretStr(SANDBOX_WHATSAPP["access_token"]),
            "app_secret": SecretStr(SANDBOX_WHATSAPP["app_secret"]),
            "webhook_verify_token": SecretStr(SANDBOX_WHATSAPP["webhook_verify_token"]),
            "numbers": [
                WhatsAppNumber(
                    phone_number_id=SANDBOX_WHATSAPP["phone_number_id"],
                    display_phone_number=SANDBOX_WHATSAPP["display_phone_number"],
                )
            ],
        }
    )


@dataclass(frozen=True)
class ConfiguredAccount:
    """One platform account as configured: its adapter, or why there is none."""

    platform: Platform
    adapter: Channel | None
    endpoint: str
    uses_sandbox: bool
    problem: str | None = None


def configured_accounts(settings: Settings, sandbox_url: str) -> list[ConfiguredAccount]:
    """The Facebook Page, X account and WhatsApp number(s) the settings describe, each with
    its adapter (a WhatsApp account with no URL and the sandbox off is simply not there)."""
    accounts = []
    facebook = effective_facebook_settings(settings, sandbox_url)
    x = effective_x_settings(settings, sandbox_url)
    whatsapp = effective_whatsapp_settings(settings, sandbox_url)
    channels: list[tuple[Platform, Any, str, Callable[[Any], Channel]]] = [
        (Platform.FACEBOOK, facebook, facebook.graph_url, FacebookPageAdapter.from_settings),
        (Platform.X, x, x.api_url, XAccountAdapter.from_settings),
    ]
    if whatsapp.api_url or whatsapp.numbers:
        channels.append(
            (Platform.WHATSAPP, whatsapp, whatsapp.api_url, WhatsAppAdapter.from_settings)
        )
    for platform, section, endpoint, factory in channels:
        uses_sandbox = settings.sandbox.enabled and endpoint == sandbox_url
        try:
            adapter = factory(section)
        except (ConfigurationError, ValueError) as exc:
            accounts.append(
                ConfiguredAccount(platform, None, endpoint or "(not set)", uses_sandbox, str(exc))
            )
            continue
        accounts.append(ConfiguredAccount(platform, adapter, endpoint, uses_sandbox))
    return accounts


@dataclass(frozen=True)
class AccountCheck:
    """The result of checking one account's credentials."""

    platform: Platform
    endpoint: str
    uses_sandbox: bool
    ok: bool
    capabilities: Capabilities | None
    problem: str | None

    @property
    def summary(self) -> str:
        """One line for the CLI and the IT page."""
        where = "sandbox" if self.uses_sandbox else self.endpoint
        if not self.ok or self.capabilities is None:
            return f"{self.platform.value}: NOT WORKING ({where}): {self.problem}"
        caps = self.capabilities
        can = [
            name
            for name, flag in (
                ("publish", caps.can_publish),
                ("read comments", caps.can_read_comments),
                ("read mentions", caps.can_read_mentions),
                ("reply", caps.can_reply),
                ("hide", caps.can_hide),
            )
            if flag
        ]
        line = f"{self.platform.value}: ok ({where}) as {caps.account_name}: can {', '.join(can)}"
        if caps.notes:
            line += " — " + "; ".join(caps.notes)
        return line


def check_accounts(accounts: list[ConfiguredAccount]) -> list[AccountCheck]:
    """Check every account's credentials; a failure is reported, never raised."""
    results = []
    for account in accounts:
        if account.adapter is None:
            results.append(
                AccountCheck(
                    account.platform,
                    account.endpoint,
                    account.uses_sandbox,
                    False,
                    None,
                    account.problem,
                )
            )
            continue
        try:
            capabilities = account.adapter.check()
        except HubError as exc:
            results.append(
                AccountCheck(
                    account.platform, account.endpoint, account.uses_sandbox, False, None, str(exc)
                )
            )
            continue
        results.append(
            AccountCheck(
                account.platform, account.endpoint, account.uses_sandbox, True, capabilities, None
            )
        )
    return results


class PlatformAccounts:
    """The hub's platform accounts, for the services that publish, pull and check."""

    def __init__(self, audit: AuditLog, accounts: list[ConfiguredAccount]) -> None:
        self._audit = audit
        self._accounts = {account.platform: account for account in accounts}

    def replace(self, accounts: list[ConfiguredAccount]) -> None:
        """Swap in accounts built for another endpoint (the sandbox once it listens)."""
        self._accounts = {account.platform: account for account in accounts}

    def accounts(self) -> list[ConfiguredAccount]:
        """Every configured account."""
        return list(self._accounts.values())

    def adapter(self, platform: Platform) -> Channel | None:
        """The adapter of one platform, or None when it is not configured."""
        account = self._accounts.get(platform)
        return account.adapter if account else None

    def check(self, actor: Actor) -> list[AccountCheck]:
        """Check every account's credentials now (IT and admins)."""
        self._audit.authorize(actor, Action.VIEW_PLATFORMS)
        results = check_accounts(self.accounts())
        self._audit.record_now(
            actor=actor,
            action="check_platforms",
            outcome="ok" if all(r.ok for r in results) else "failed",
            detail="; ".join(r.summary for r in results)[:1000],
        )
        return results
