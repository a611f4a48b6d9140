"""The hub's error tree. Pages catch `HubError` and show its message; nothing else.

Every message says what is wrong and what to do. Foreign exceptions (DuckDB, facebook-sdk,
tweepy, requests) are translated once, at the boundary where they are raised, into one of
these (``raise SomeHubError(...) from exc``). Secrets never appear in a message.

    HubError
    ├── ConfigurationError          settings or data folder unusable
    ├── StoreError
    │   └── StoreLockedError        another process holds the database file
    ├── InvalidInput                a user's input cannot be accepted
    │   └── DepartmentsFileError    departments.csv has errors (all of them listed)
    ├── NotFound
    ├── AuthenticationError         login refused (wrong password, unknown or disabled user)
    │   └── AccountLockedError      too many failures: wait `retry_after_seconds`
    ├── PermissionDenied            the actor's role or department does not allow the action
    ├── Withdrawn                   an outgoing item is no longer wanted (a STOP): not sent
    └── PlatformError               a social platform refused or failed
        ├── RateLimited             wait `retry_after_seconds`
        ├── TokenExpired            token expired or revoked: reconnect the account
        ├── PermissionMissing       the token lacks a permission (scope)
        ├── DuplicateContent        the platform refused a repeat of an earlier post
        ├── ContentRejected         refused for its content (too long, blocked, invalid)
        │   ├── TemplateMissing     no approved message template in that language (WhatsApp)
        │   └── Undeliverable       the person's number cannot receive messages (WhatsApp)
        ├── WindowClosed            24 hours since the citizen wrote: only a template now
        ├── NotSupported            the account's tier or type cannot do this
        ├── TemporaryFailure        5xx or transient: safe to retry later
        └── OutcomeUnknown          sent, but no answer: it may or may not have been accepted
"""

from __future__ import annotations

from collections.abc import Callable

from hub.i18n import N_, Message, bullets, translated_template


class HubError(Exception):
    """Root of every error the hub shows to a person.

    A message people read is written as a catalogue string with named values, so that the
    page can show it in the reader's language (``translated``)::

        raise NotFound(N_("no update #{number}"), number=update_id)

    ``str(exc)`` is the English, for the log, the CLI and the tests.
    """

    def __init__(self, message: str, /, **values: object) -> None:
        self.template = message
        self.values = values
        self.message = message.format(**values) if values else message
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def translated(self, translate: Callable[[str], str]) -> str:
        """The message in the reader's language (the English where it has no translation);
        a value that is a `hub.i18n.Message` (a list of problems, say) is translated too."""
        return translated_template(self.template, self.values, translate, self.message)

    def as_message(self) -> Message:
        """The error as a sentence to keep (a ticket's history) and show later in whichever
        language its reader has."""
        return Message(self.template, **self.values)


class ConfigurationError(HubError):
    """Settings, the data folder or the environment cannot be used as configured."""


class StoreError(HubError):
    """The database could not be opened, migrated or written."""


class StoreLockedError(StoreError):
    """Another process holds the database file."""


class InvalidInput(HubError):
    """Input from a person or a file cannot be accepted as it is."""


class DepartmentsFileError(InvalidInput):
    """departments.csv has one or more errors; nothing was imported."""

    def __init__(self, problems: list[Message]) -> None:
        self.problems = list(problems)
        shown = self.problems[:50]
        more = len(self.problems) - len(shown)
        if more > 0:
            shown.append(Message(N_("... and {count} more"), count=more))
        super().__init__(
            N_(
                "departments file not imported: {count} problem(s); fix them and import again."
                "\n{problems}"
            ),
            count=len(self.problems),
            problems=bullets(shown),
        )


class NotFound(HubError):
    """The thing asked for does not exist (or the actor may not know it exists)."""


class AuthenticationError(HubError):
    """A login was refused."""


class AccountLockedError(AuthenticationError):
    """Too many failed logins; the account is locked for a while."""

    def __init__(self, message: str, retry_after_seconds: int, **values: object) -> None:
        super().__init__(message, **values)
        self.retry_after_seconds = retry_after_seconds


class PermissionDenied(HubError):
    """The actor is not allowed to do this."""


class Withdrawn(HubError):
    """An outgoing item is no longer wanted (its recipient sent STOP): cancelled, not sent."""


class PlatformError(HubError):
    """A social platform refused the request or failed to answer."""

    def __init__(
        self,
        message: str,
        *,
        platform: str = "",
        code: str | int | None = None,
        retry_after_seconds: float | None = None,
        **values: object,
    ) -> None:
        super().__init__(message, **values)
        self.platform = platform
        self.code = code
        self.retry_after_seconds = retry_after_seconds


class RateLimited(PlatformError):
    """The platform's rate limit is reached; retry after `retry_after_seconds`."""


class TokenExpired(PlatformError):
    """The access token expired or was revoked; the account must be reconnected."""


class PermissionMissing(PlatformError):
    """The token lacks a permission the action needs."""


class DuplicateContent(PlatformError):
    """The platform refused the post as a duplicate of an earlier one."""


class ContentRejected(PlatformError):
    """The platform refused the content itself (invalid, too long, blocked)."""


class TemplateMissing(ContentRejected):
    """No approved message template of that name exists in that language; nothing was sent."""


class Undeliverable(ContentRejected):
    """The platform cannot deliver to this person (not on WhatsApp, an old app)."""


class WindowClosed(PlatformError):
    """The citizen last wrote more than 24 hours ago: only an approved template may be sent."""


class NotSupported(PlatformError):
    """The account's tier or type cannot do this (e.g. an X account without mentions)."""


class TemporaryFailure(PlatformError):
    """The platform failed in a way that is safe to retry later."""


class OutcomeUnknown(PlatformError):
    """The request was sent but no answer came: it may have been accepted."""


__all__ = [
    "AccountLockedError",
    "AuthenticationError",
    "ConfigurationError",
    "ContentRejected",
    "DepartmentsFileError",
    "DuplicateContent",
    "HubError",
    "InvalidInput",
    "NotFound",
    "NotSupported",
    "OutcomeUnknown",
    "PermissionDenied",
    "PermissionMissing",
    "PlatformError",
    "RateLimited",
    "StoreError",
    "StoreLockedError",
    "TemplateMissing",
    "TemporaryFailure",
    "TokenExpired",
    "Undeliverable",
    "WindowClosed",
]
