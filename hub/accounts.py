"""Local accounts: argon2id password hashes, lockout with backoff, and user management.

Where OIDC is configured the identity provider checks passwords; the hub still keeps the
account (role, department, active) and maps the provider's e-mail to it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from hub.audit import AuditLog
from hub.clock import utc_now
from hub.config import Settings
from hub.errors import (
    AccountLockedError,
    AuthenticationError,
    InvalidInput,
    NotFound,
)
from hub.i18n import LANGUAGES, N_
from hub.permissions import Action, Actor, Role
from hub.store import Store
from hub.text import nfc_trimmed

MIN_PASSWORD_LENGTH = 10
_USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")
# The one answer to every refused login a stranger can cause: unknown name, wrong password,
# locked account. Telling them apart would tell which usernames exist.
REFUSED_LOGIN = N_(
    "Wrong username or password. After several failed attempts an account is locked for a "
    "while: wait a few minutes and try again, or ask an administrator to reset the password."
)


@dataclass(frozen=True)
class User:
    """An account as the admin pages show it (never with its hash)."""

    id: int
    username: str
    display_name: str
    email: str | None
    role: Role
    department_code: str | None
    active: bool
    failed_logins: int
    locked_until: datetime | None
    created_at: datetime
    last_login_at: datetime | None
    language: str = "en"

    def actor(self) -> Actor:
        """The acting identity of this user."""
        return Actor(
            username=self.username,
            role=self.role,
            department_code=self.department_code,
            user_id=self.id,
            display_name=self.display_name,
            language=self.language or "en",
        )


_USER_COLUMNS = (
    "id, username, display_name, email, role, department_code, active, failed_logins,"
    " locked_until, created_at, last_login_at, language"
)


@dataclass(frozen=True)
class _Attempt:
    """One login attempt as reserved: the account, and what the reservation found or did."""

    user: User
    password_hash: str | None
    failures: int
    # Seconds the account was already locked for (the password is then never compared).
    locked_for: int
    # Seconds this attempt's failure locks the account for, should the password be wrong.
    locks_for: int = 0


def _user(row: tuple) -> User:
    return User(row[0], row[1], row[2], row[3], Role(row[4]), *row[5:])


class AccountService:
    """Logins, lockout, and the admin's user management, every step audited."""

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        settings: Settings,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self._store = store
        self._audit = audit
        self._settings = settings
        self._hasher = hasher or PasswordHasher()
        # Verifying against this when the user is unknown keeps the answer time the same.
        self._dummy_hash = self._hasher.hash("not-a-real-password")

    # -- logging in -------------------------------------------------------------------

    def authenticate(self, username: str, password: str) -> Actor:
        """Check a username and password; return the actor, or raise a clear refusal.

        Every refusal a stranger can cause (unknown name, wrong password, locked account)
        has the same message, so the answer never tells which names exist. The attempt is
        counted as a failure before the password is compared, in one transaction with the
        lock check: N attempts at once count N, and only as many as the threshold allows
        ever reach the comparison.
        """
        username = _normal_username(username)
        now = utc_now()
        attempt = self._reserve_attempt(username, now)
        if attempt is None:
            self._verify(self._dummy_hash, password)
            self._audit.record_now(
                actor=None,
                actor_name=username or "(empty)",
                action="login",
                outcome="failed",
                detail="unknown user",
            )
            raise AuthenticationError(REFUSED_LOGIN)
        if attempt.locked_for:
            # The same work as a real check, so the answer's time does not tell either.
            self._verify(self._dummy_hash, password)
            self._audit.record_now(
                actor=attempt.user.actor(),
                action="login",
                outcome="failed",
                detail="account locked",
            )
            raise AccountLockedError(REFUSED_LOGIN, retry_after_seconds=attempt.locked_for)
        user, password_hash = attempt.user, attempt.password_hash
        if not password_hash or not self._verify(password_hash, password):
            self._refuse_wrong_password(attempt, now)
        with self._store.transaction() as cur:
            # The right password takes back this attempt's reserved failure (and any
            # before it), whether or not the account may log in.
            cur.execute(
                "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?", [user.id]
            )
            if not user.active:
                self._audit.record(
                    cur,
                    actor=user.actor(),
                    action="login",
                    outcome="failed",
                    detail="account disabled",
                )
        if not user.active:
            raise AuthenticationError(
                N_("This account is disabled. Ask an administrator to enable it.")
            )
        with self._store.transaction() as cur:
            cur.execute("UPDATE users SET last_login_at = ? WHERE id = ?", [now, user.id])
            if self._hasher.check_needs_rehash(password_hash):
                cur.execute(
                    "UPDATE users SET password_hash = ? WHERE id = ?",
                    [self._hasher.hash(password), user.id],
                )
            self._audit.record(cur, actor=user.actor(), action="login")
        return user.actor()

    def _reserve_attempt(self, username: str, now: datetime) -> _Attempt | None:
        """Count this attempt as a failure unless the account is locked, atomically.

        None for an unknown name. The write lock of `Store.transaction` serialises the read
        and the increment, so parallel attempts each see the count the one before left.
        """
        with self._store.transaction() as cur:
            row = cur.execute(
                f"SELECT {_USER_COLUMNS}, password_hash FROM users WHERE username = ?",
                [username],
            ).fetchone()
            if row is None:
                return None
            user, password_hash = _user(row[:-1]), row[-1]
            if user.locked_until and user.locked_until > now:
                wait = int((user.locked_until - now).total_seconds()) + 1
                return _Attempt(user, password_hash, 0, wait)
            failures = user.failed_logins + 1
            threshold = self._settings.lockout_threshold
            locked_until = None
            if failures >= threshold:
                seconds = min(
                    self._settings.lockout_base_seconds * 2 ** (failures - threshold),
                    self._settings.lockout_max_seconds,
                )
                locked_until = now + timedelta(seconds=seconds)
            cur.execute(
                "UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?",
                [failures, locked_until, user.id],
            )
        lock_seconds = int((locked_until - now).total_seconds()) if locked_until else 0
        return _Attempt(user, password_hash, failures, 0, lock_seconds)

    def _refuse_wrong_password(self, attempt: _Attempt, now: datetime) -> NoReturn:
        detail = f"wrong password ({attempt.failures} in a row)"
        if attempt.locks_for:
            detail += f"; locked for {_duration(attempt.locks_for)}"
        self._audit.record_now(
            actor=attempt.user.actor(), action="login", outcome="failed", detail=detail
        )
        if attempt.locks_for:
            raise AccountLockedError(REFUSED_LOGIN, retry_after_seconds=attempt.locks_for)
        raise AuthenticationError(REFUSED_LOGIN)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def actor_for(self, user_id: int) -> Actor | None:
        """The actor of an active user, re-read each time (a disabled user is out at once)."""
        with self._store.cursor() as cur:
            row = cur.execute(
                f"SELECT {_USER_COLUMNS} FROM users WHERE id = ? AND active", [user_id]
            ).fetchone()
        return _user(row).actor() if row else None

    def actor_for_email(self, email: str) -> Actor:
        """The active account whose e-mail the identity provider vouched for (OIDC)."""
        with self._store.cursor() as cur:
            row = cur.execute(
                f"SELECT {_USER_COLUMNS} FROM users WHERE lower(email) = lower(?)", [email]
            ).fetchone()
        if row is None or not row[6]:
            disabled = row is not None
            self._audit.record_now(
                actor=None,
                actor_name=email,
                action="login",
                outcome="failed",
                detail="oidc: account disabled" if disabled else "oidc: no account for this e-mail",
            )
            if disabled:
                raise AuthenticationError(
                    N_(
                        "You signed in as {email}, but that hub account is disabled. Ask an "
                        "administrator if it should be enabled again."
                    ),
                    email=email,
                )
            raise AuthenticationError(
                N_(
                    "You signed in as {email}, but the hub has no account for that address. "
                    "Ask an administrator to add you."
                ),
                email=email,
            )
        user = _user(row)
        with self._store.transaction() as cur:
            cur.execute("UPDATE users SET last_login_at = ? WHERE id = ?", [utc_now(), user.id])
            self._audit.record(cur, actor=user.actor(), action="login", detail="oidc")
        return user.actor()

    def record_logout(self, actor: Actor) -> None:
        """Audit a logout."""
        self._audit.record_now(actor=actor, action="logout")

    def set_own_language(self, actor: Actor, language: str) -> Actor:
        """Save the language a person reads the UI in; the actor as it now is."""
        self._audit.authorize(actor, Action.CHANGE_OWN_LANGUAGE)
        if language not in LANGUAGES:
            raise InvalidInput(
                N_("unknown language {language!r}: choose one of {choices}"),
                language=language,
                choices=", ".join(LANGUAGES),
            )
        with self._store.transaction() as cur:
            row = cur.execute(
                f"UPDATE users SET language = ? WHERE username = ? AND active"
                f" RETURNING {_USER_COLUMNS}",
                [language, actor.username],
            ).fetchone()
            if row is None:
                raise InvalidInput(N_("this account is no longer active"))
            self._audit.record(
                cur,
                actor=actor,
                action="set_language",
                target_type="user",
                target_id=actor.username,
                detail=language,
            )
        return _user(row).actor()

    def change_own_password(self, actor: Actor, current: str, new: str) -> None:
        """Let anyone change their own password, given the current one."""
        self._audit.authorize(actor, Action.CHANGE_OWN_PASSWORD)
        with self._store.cursor() as cur:
            row = cur.execute(
                "SELECT password_hash FROM users WHERE username = ?", [actor.username]
            ).fetchone()
        if row is None or not row[0] or not self._verify(row[0], current):
            self._audit.record_now(
                actor=actor,
                action="change_password",
                outcome="failed",
                detail="current password wrong",
            )
            raise AuthenticationError(N_("The current password is wrong; nothing was changed."))
        _check_password(new)
        with self._store.transaction() as cur:
            cur.execute(
                "UPDATE users SET password_hash = ? WHERE username = ?",
                [self._hasher.hash(new), actor.username],
            )
            self._audit.record(
                cur,
                actor=actor,
                action="change_password",
                target_type="user",
                target_id=actor.username,
            )

    # -- managing users (admins) ---------------------------------------------------------

    def list_users(self, actor: Actor) -> list[User]:
        """Every account, by username."""
        self._audit.authorize(actor, Action.VIEW_USERS)
        with self._store.cursor() as cur:
            rows = cur.execute(f"SELECT {_USER_COLUMNS} FROM users ORDER BY username").fetchall()
        return [_user(r) for r in rows]

    def get_user(self, actor: Actor, username: str) -> User:
        """One account."""
        self._audit.authorize(actor, Action.VIEW_USERS)
        return self._get(_normal_username(username))

    def _get(self, username: str) -> User:
        with self._store.cursor() as cur:
            row = cur.execute(
                f"SELECT {_USER_COLUMNS} FROM users WHERE username = ?", [username]
            ).fetchone()
        if row is None:
            raise NotFound(N_("no user named {username!r}"), username=username)
        return _user(row)

    def create_user(
        self,
        actor: Actor,
        *,
        username: str,
        display_name: str,
        role: Role | str,
        password: str | None,
        department_code: str | None = None,
        email: str | None = None,
    ) -> User:
        """Add an account; an officer must belong to an existing department."""
        self._audit.authorize(actor, Action.MANAGE_USERS)
        username = _normal_username(username)
        _check_username(username)
        role = _role(role)
        department_code = self._check_department(role, department_code)
        display_name = nfc_trimmed(display_name) or username
        email = nfc_trimmed(email or "") or None
        if password is None:
            if self._settings.oidc is None:
                raise InvalidInput(N_("a password is needed: this hub uses local accounts"))
            password_hash = None
        else:
            _check_password(password)
            password_hash = self._hasher.hash(password)
        with self._store.transaction() as cur:
            exists = cur.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone()
            if exists:
                raise InvalidInput(
                    N_("a user named {username!r} already exists"), username=username
                )
            row = cur.execute(
                "INSERT INTO users (username, display_name, email, role, department_code,"
                " password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                f" RETURNING {_USER_COLUMNS}",
                [
                    username,
                    display_name,
                    email,
                    str(role),
                    department_code,
                    password_hash,
                    utc_now(),
                ],
            ).fetchone()
            user = _user(row)
            self._audit.record(
                cur,
                actor=actor,
                action="create_user",
                target_type="user",
                target_id=username,
                department_code=department_code,
                after=_public(user),
            )
        return user

    def update_user(
        self,
        actor: Actor,
        username: str,
        *,
        display_name: str | None = None,
        role: Role | str | None = None,
        department_code: str | None = None,
        email: str | None = None,
    ) -> User:
        """Change an account's name, role, department or e-mail."""
        self._audit.authorize(actor, Action.MANAGE_USERS)
        old = self._get(_normal_username(username))
        new_role = _role(role) if role is not None else old.role
        new_department = department_code if department_code is not None else old.department_code
        new_department = self._check_department(
            new_role, new_department if new_role is Role.OFFICER else None
        )
        self._guard_last_admin(old, new_role, old.active)
        new_name = nfc_trimmed(display_name) if display_name is not None else old.display_name
        new_email = (nfc_trimmed(email) or None) if email is not None else old.email
        with self._store.transaction() as cur:
            row = cur.execute(
                "UPDATE users SET display_name = ?, role = ?, department_code = ?, email = ?"
                f" WHERE id = ? RETURNING {_USER_COLUMNS}",
                [new_name or old.username, str(new_role), new_department, new_email, old.id],
            ).fetchone()
            user = _user(row)
            self._audit.record(
                cur,
                actor=actor,
                action="update_user",
                target_type="user",
                target_id=old.username,
                department_code=new_department,
                before=_public(old),
                after=_public(user),
            )
        return user

    def set_active(self, actor: Actor, username: str, active: bool) -> User:
        """Disable or enable an account (the last active admin cannot be disabled)."""
        self._audit.authorize(actor, Action.MANAGE_USERS)
        old = self._get(_normal_username(username))
        if not active:
            if old.username == actor.username:
                raise InvalidInput(N_("you cannot disable your own account"))
            self._guard_last_admin(old, old.role, active)
        with self._store.transaction() as cur:
            row = cur.execute(
                f"UPDATE users SET active = ? WHERE id = ? RETURNING {_USER_COLUMNS}",
                [active, old.id],
            ).fetchone()
            user = _user(row)
            self._audit.record(
                cur,
                actor=actor,
                action="enable_user" if active else "disable_user",
                target_type="user",
                target_id=old.username,
                department_code=old.department_code,
                before={"active": old.active},
                after={"active": active},
            )
        return user

    def reset_password(self, actor: Actor, username: str, new_password: str) -> None:
        """Set a new password for someone and clear their lockout."""
        self._audit.authorize(actor, Action.MANAGE_USERS)
        user = self._get(_normal_username(username))
        _check_password(new_password)
        with self._store.transaction() as cur:
            cur.execute(
                # The old password's sessions end with it (hub.sessions).
                "UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL,"
                " sessions_valid_after = ? WHERE id = ?",
                [self._hasher.hash(new_password), utc_now(), user.id],
            )
            self._audit.record(
                cur,
                actor=actor,
                action="reset_password",
                target_type="user",
                target_id=user.username,
                department_code=user.department_code,
            )

    def _check_department(self, role: Role, department_code: str | None) -> str | None:
        if role is not Role.OFFICER:
            if department_code:
                raise InvalidInput(
                    N_("only officers belong to a department; a {role} has none"), role=role.label
                )
            return None
        if not department_code:
            raise InvalidInput(N_("an officer must belong to a department: choose one"))
        code = department_code.strip().upper()
        with self._store.cursor() as cur:
            found = cur.execute(
                "SELECT 1 FROM departments WHERE code = ? AND active", [code]
            ).fetchone()
        if not found:
            raise InvalidInput(N_("no active department with code {code!r}"), code=code)
        return code

    def _guard_last_admin(self, user: User, new_role: Role, stays_active: bool) -> None:
        if user.role is not Role.ADMIN or (new_role is Role.ADMIN and stays_active):
            return
        with self._store.cursor() as cur:
            admins = cur.execute(
                "SELECT count(*) FROM users WHERE role = 'admin' AND active AND id <> ?",
                [user.id],
            ).fetchone()[0]
        if admins == 0:
            raise InvalidInput(N_("this is the last active administrator; add another one first"))


def _public(user: User) -> dict:
    data = asdict(user)
    data["role"] = str(user.role)
    return data


def _normal_username(username: str) -> str:
    return nfc_trimmed(username or "").lower()


def _check_username(username: str) -> None:
    if not 2 <= len(username) <= 64 or not set(username) <= _USERNAME_CHARS:
        raise InvalidInput(
            N_("a username is 2-64 characters: lower-case letters, digits, '.', '_' or '-'")
        )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            N_("a password needs at least {count} characters"), count=MIN_PASSWORD_LENGTH
        )
    if password.strip() != password:
        raise InvalidInput(N_("a password cannot start or end with a space"))


def _role(role: Role | str) -> Role:
    try:
        return Role(str(role).strip().lower())
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise InvalidInput(
            N_("unknown role {role!r}: use one of {names}"), role=role, names=names
        ) from None


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{round(seconds / 60)} minutes"
