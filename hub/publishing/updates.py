"""Officers' updates: drafts with photos, the checks on submission, and what officers see.

An officer writes for their own department only; every method checks the rule table with
the department of the update it touches, so an officer of another department is refused
(and the refusal audited) even when they know an update's number.

Status transitions made here (review.py makes the reviewer's, schedule.py the posts'):

    (new) ──create_draft──▶ draft
    draft ──submit──▶ submitted                         event 'submitted'
    changes_requested ──submit──▶ submitted             event 'resubmitted'
    draft | submitted | changes_requested ──withdraw──▶ cancelled   event 'withdrawn'

Every submission adds one to `submissions`, so IT sees how often an update came back.

Decisions:
- **Alt text is required** for every photo before an update can be submitted: the city's
  posts must be usable by people who cannot see the photos, and X and Facebook pass it to
  screen readers. A photo may be added without it; submission names the photos still missing it.
- **The 24-hour rule** is checked last, once everything else is right, against the time the
  IT team was first notified (the first submission; for a resubmission after changes were
  requested the notice was already given). A late launch is refused with `LateLaunchNotice`,
  whose message names the missed deadline; the update stays a draft and an event
  'late_refused' is recorded, which puts it on IT's list of late launches awaiting an override
  decision (see `ReviewService.override_launch_rule`). Once overridden, the rule is not
  checked again for that update.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

import duckdb

from hub.audit import AuditLog
from hub.clock import utc_now
from hub.config import Settings
from hub.errors import HubError, InvalidInput, NotFound
from hub.i18n import N_, Joined, Message, Moment, bullets, stored_sentence
from hub.permissions import Action, Actor, Role
from hub.platforms.base import PUBLISHING_PLATFORMS, Platform
from hub.publishing.compose import (
    FACEBOOK_MAX_LENGTH,
    DraftFields,
    compose_post_text,
    x_overshoot_message,
)
from hub.publishing.models import (
    Post,
    PostStatus,
    Update,
    UpdateEvent,
    UpdateKind,
    UpdatePhoto,
    UpdateStatus,
)
from hub.publishing.photos import PhotoStore
from hub.routing import wards_mentioned
from hub.store import Store
from hub.text import nfc_trimmed

MAX_PHOTOS = 10
MAX_TITLE_LENGTH = 200
MAX_PLACE_LENGTH = 200
# X refuses alt text over 1,000 characters; Facebook takes more, so X's limit is the one.
MAX_ALT_TEXT_LENGTH = 1000
MAX_X_TEXT_CHARACTERS = 2000

EDITABLE_BY_OFFICER = (UpdateStatus.DRAFT, UpdateStatus.CHANGES_REQUESTED)
WITHDRAWABLE = (UpdateStatus.DRAFT, UpdateStatus.SUBMITTED, UpdateStatus.CHANGES_REQUESTED)
LATE_REFUSED_EVENT = "late_refused"


class LateLaunchNotice(InvalidInput):
    """A launch was submitted less than the notice period before its event."""

    def __init__(
        self, message: str, *, event_at: datetime, deadline: datetime, **values: object
    ) -> None:
        super().__init__(message, **values)
        self.event_at = event_at
        self.deadline = deadline


@dataclass(frozen=True)
class WorkSite:
    """An approved update that names wards: a department's work on the map."""

    update_id: int
    department_code: str
    title: str
    place: str
    wards: tuple[int, ...]
    at: datetime


@dataclass(frozen=True)
class LateNoticeCount:
    """A department's launches notified late: refused at submission, or let through by IT."""

    department_code: str
    # Distinct launches that were late: refused for it, or overridden.
    late_notices: int
    # Of those, the ones IT let through with a recorded reason.
    overridden: int


# -- reading rows into the frozen values --------------------------------------------------

UPDATE_COLUMNS = (
    "id, department_code, author, kind, title, text_bn, text_en, x_text, platforms,"
    " wished_at, event_at, event_place, status, late_notice, override_reason, submissions,"
    " submitted_at, review_note, reject_reason, created_at, updated_at"
)
POST_COLUMNS = (
    "id, update_id, platform, text, scheduled_at, native_scheduling, status, attempts,"
    " next_attempt_at, platform_post_id, permalink, published_at, last_error, attention_reason"
)
_PHOTO_COLUMNS = (
    "update_id, id, position, original_name, stored_name, thumb_name, mime_type, width,"
    " height, size_bytes, alt_text"
)
_EVENT_COLUMNS = "update_id, occurred_at, actor, event, note, reason_code, note_sentence"


def _utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


def post_from_row(row: tuple) -> Post:
    """A `Post` from a row selected with `POST_COLUMNS`."""
    return Post(
        id=row[0],
        update_id=row[1],
        platform=Platform(row[2]),
        text=row[3],
        scheduled_at=_utc(row[4]),
        native_scheduling=bool(row[5]),
        status=PostStatus(row[6]),
        attempts=row[7],
        next_attempt_at=_utc(row[8]),
        platform_post_id=row[9],
        permalink=row[10],
        published_at=_utc(row[11]),
        last_error=row[12],
        attention_reason=row[13],
    )


def read_updates(
    cur: duckdb.DuckDBPyConnection,
    where: str,
    params: list,
    *,
    order: str = "id DESC",
    limit: int = 500,
) -> list[Update]:
    """Updates matching `where` (SQL written by the hub, never by a user), fully loaded.

    Photos, posts and events are read in one query each for the whole batch.
    """
    rows = cur.execute(
        f"SELECT {UPDATE_COLUMNS} FROM updates WHERE {where} ORDER BY {order} LIMIT ?",
        [*params, limit],
    ).fetchall()
    if not rows:
        return []
    ids = [row[0] for row in rows]
    marks = ", ".join("?" for _ in ids)
    photos: dict[int, list[UpdatePhoto]] = defaultdict(list)
    for r in cur.execute(
        f"SELECT {_PHOTO_COLUMNS} FROM update_photos WHERE update_id IN ({marks})"
        " ORDER BY update_id, position",
        ids,
    ).fetchall():
        photos[r[0]].append(UpdatePhoto(*r[1:]))
    posts: dict[int, list[Post]] = defaultdict(list)
    for r in cur.execute(
        f"SELECT {POST_COLUMNS} FROM posts WHERE update_id IN ({marks}) ORDER BY platform",
        ids,
    ).fetchall():
        posts[r[1]].append(post_from_row(r))
    events: dict[int, list[UpdateEvent]] = defaultdict(list)
    for r in cur.execute(
        f"SELECT {_EVENT_COLUMNS} FROM update_events WHERE update_id IN ({marks})"
        " ORDER BY update_id, id",
        ids,
    ).fetchall():
        events[r[0]].append(UpdateEvent(_utc(r[1]), r[2], r[3], r[4], r[5], r[6]))
    return [
        Update(
            id=row[0],
            department_code=row[1],
            author=row[2],
            kind=UpdateKind(row[3]),
            title=row[4],
            text_bn=row[5],
            text_en=row[6],
            x_text=row[7],
            platforms=tuple(Platform(p) for p in row[8]),
            wished_at=_utc(row[9]),
            event_at=_utc(row[10]),
            event_place=row[11],
            status=UpdateStatus(row[12]),
            late_notice=bool(row[13]),
            override_reason=row[14],
            submissions=row[15],
            submitted_at=_utc(row[16]),
            review_note=row[17],
            reject_reason=row[18],
            created_at=_utc(row[19]),
            updated_at=_utc(row[20]),
            photos=tuple(photos[row[0]]),
            posts=tuple(posts[row[0]]),
            events=tuple(events[row[0]]),
        )
        for row in rows
    ]


def read_update(cur: duckdb.DuckDBPyConnection, update_id: int) -> Update:
    """One update, fully loaded; `NotFound` if there is none with that number."""
    found = read_updates(cur, "id = ?", [update_id], limit=1)
    if not found:
        raise NotFound(N_("There is no update number {number}."), number=update_id)
    return found[0]


def department_of_update(store: Store, update_id: int) -> str:
    """The department an update belongs to (what permission checks need first)."""
    with store.cursor() as cur:
        row = cur.execute(
            "SELECT department_code FROM updates WHERE id = ?", [update_id]
        ).fetchone()
    if row is None:
        raise NotFound(N_("There is no update number {number}."), number=update_id)
    return row[0]


def record_update_event(
    cur: duckdb.DuckDBPyConnection,
    update_id: int,
    *,
    actor: str,
    event: str,
    at: datetime,
    note: str | None = None,
    reason_code: str | None = None,
) -> None:
    """Append one step to an update's history, inside the caller's transaction (a note the
    hub writes, a `hub.i18n.Message`, is kept as a sentence too, shown in any language)."""
    cur.execute(
        "INSERT INTO update_events (update_id, occurred_at, actor, event, note, reason_code,"
        " note_sentence) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [update_id, at, actor, event, note, reason_code, stored_sentence(note)],
    )


def awaits_launch_override(update: Update) -> bool:
    """Whether a launch was refused as late and is still a draft without an IT override."""
    return (
        update.kind is UpdateKind.LAUNCH
        and update.status is UpdateStatus.DRAFT
        and update.override_reason is None
        and any(e.event == LATE_REFUSED_EVENT for e in update.events)
    )


def is_web_link(value: str | None) -> bool:
    """Whether a stored link is an http(s) URL, the only kind pages may render as a link."""
    return bool(value) and value.lower().startswith(("https://", "http://"))


# -- the checks ----------------------------------------------------------------------------


def checked_fields(fields: DraftFields) -> DraftFields:
    """The fields normalised, or `InvalidInput` naming every field that cannot be stored.

    Only what can never be right is refused here; what is merely unfinished (no title yet)
    is saved, and `submission_problems` reports it when the officer submits.
    """
    try:
        clean = fields.normalised()
    except ValueError:
        names = ", ".join(p.value for p in PUBLISHING_PLATFORMS)
        kinds = ", ".join(k.value for k in UpdateKind)
        raise InvalidInput(
            N_("Unknown kind or platform: the kind is one of {kinds}, a platform one of {names}."),
            kinds=kinds,
            names=names,
        ) from None
    problems: list[Message] = []
    if len(clean.title) > MAX_TITLE_LENGTH:
        problems.append(
            Message(
                N_("The title is {length} characters; keep it to {limit}."),
                length=len(clean.title),
                limit=MAX_TITLE_LENGTH,
            )
        )
    for too_long, text in (
        (N_("The Bengali text is {length} characters; Facebook takes {limit} at most."),
         clean.text_bn),
        (N_("The English text is {length} characters; Facebook takes {limit} at most."),
         clean.text_en),
    ):  # fmt: skip
        if len(text) > FACEBOOK_MAX_LENGTH:
            problems.append(Message(too_long, length=len(text), limit=FACEBOOK_MAX_LENGTH))
    if clean.x_text and len(clean.x_text) > MAX_X_TEXT_CHARACTERS:
        problems.append(Message(N_("The X text is far longer than X allows (280): shorten it.")))
    if clean.event_place and len(clean.event_place) > MAX_PLACE_LENGTH:
        problems.append(
            Message(
                N_("The place is too long; keep it to {limit} characters."),
                limit=MAX_PLACE_LENGTH,
            )
        )
    for no_zone, moment in (
        (N_("The wished publication time has no time zone: give it in Asia/Kolkata time."),
         clean.wished_at),
        (N_("The event time has no time zone: give it in Asia/Kolkata time."), clean.event_at),
    ):  # fmt: skip
        if moment is not None and moment.tzinfo is None:
            problems.append(Message(no_zone))
    if problems:
        raise InvalidInput(
            N_("Not saved; fix this and try again:\n{problems}"), problems=bullets(problems)
        )
    return clean


def submission_problems(
    update: Update, now: datetime, settings: Settings, *, for_approval: bool = False
) -> list[Message]:
    """Everything that stops `update` from being submitted (or approved), in form order.

    The 24-hour rule is not among them: see `late_launch_notice`. For approval the wished
    time is not checked: the reviewer chooses the times then.
    """
    zone = settings.display_zone
    problems: list[Message] = []
    if not update.title:
        problems.append(Message(N_("Give the update a title.")))
    if not update.text_bn and not update.text_en:
        problems.append(Message(N_("Write the text in Bengali, in English, or both.")))
    if not update.photos:
        problems.append(Message(N_("Add at least one photo (up to {count})."), count=MAX_PHOTOS))
    elif len(update.photos) > MAX_PHOTOS:
        problems.append(
            Message(N_("An update has at most {count} photos: remove some."), count=MAX_PHOTOS)
        )
    missing_alt = [
        Message(N_("photo {position} ({name})"), position=photo.position, name=photo.original_name)
        for photo in update.photos
        if not photo.alt_text.strip()
    ]
    if missing_alt:
        problems.append(
            Message(
                N_(
                    "Describe every photo for people who cannot see it (alt text); missing for"
                    " {photos}."
                ),
                photos=Joined(missing_alt),
            )
        )
    if not update.platforms:
        problems.append(Message(N_("Choose at least one platform: Facebook, X, or both.")))
    if not for_approval:
        if update.wished_at is None:
            problems.append(Message(N_("Choose the wished publication date and time.")))
        elif update.wished_at <= now:
            problems.append(
                Message(
                    N_(
                        "The wished publication time {when} has passed: choose a time in the"
                        " future."
                    ),
                    when=Moment(update.wished_at, zone),
                )
            )
    if Platform.X in update.platforms:
        x_problem = x_overshoot_message(
            compose_post_text(update, Platform.X, zone), separate=bool(update.x_text)
        )
        if x_problem:
            problems.append(x_problem)
    if Platform.FACEBOOK in update.platforms:
        length = len(compose_post_text(update, Platform.FACEBOOK, zone))
        if length > FACEBOOK_MAX_LENGTH:
            problems.append(
                Message(
                    N_(
                        "The Facebook post is {over} characters over Facebook's limit of"
                        " {limit}: shorten the texts."
                    ),
                    over=length - FACEBOOK_MAX_LENGTH,
                    limit=FACEBOOK_MAX_LENGTH,
                )
            )
    if update.kind is UpdateKind.LAUNCH:
        if update.event_at is None:
            problems.append(Message(N_("Give the date and time of the launch event.")))
        if not update.event_place:
            problems.append(Message(N_("Give the place of the launch event.")))
    return problems


def late_launch_notice(
    update: Update, now: datetime, settings: Settings
) -> LateLaunchNotice | None:
    """The refusal for a launch notified less than `launch_notice_hours` ahead, if it is one.

    The notice counts from the first submission: a resubmission after changes were requested
    does not make an on-time notice late.
    """
    if update.kind is not UpdateKind.LAUNCH or update.event_at is None:
        return None
    if update.override_reason is not None:
        return None
    hours = settings.launch_notice_hours
    notified_at = _first_submitted_at(update) or now
    deadline = update.event_at - timedelta(hours=hours)
    if notified_at <= deadline:
        return None
    zone = settings.display_zone
    return LateLaunchNotice(
        N_(
            "A launch must be notified {hours} hours before the event. This event is at "
            "{event_time}, so the deadline was {deadline_time}. Ask the IT team for an "
            "override if it must go out. The draft is saved, and the IT team sees it among "
            "late launches."
        ),
        event_at=update.event_at,
        deadline=deadline,
        hours=hours,
        event_time=Moment(update.event_at, zone),
        deadline_time=Moment(deadline, zone),
    )


def _first_submitted_at(update: Update) -> datetime | None:
    for event in update.events:
        if event.event == "submitted":
            return event.occurred_at
    return None


def submission_refusal(problems: list[Message]) -> InvalidInput:
    """The one error that lists every problem blocking a submission."""
    return InvalidInput(
        N_("Not submitted (the draft is saved); fix this and submit again:\n{problems}"),
        problems=bullets(problems),
    )


def _fields_audit(fields: DraftFields) -> dict:
    data = asdict(fields)
    data["platforms"] = [str(p) for p in fields.platforms]
    data["kind"] = str(fields.kind)
    return data


# -- the service --------------------------------------------------------------------------


class UpdateService:
    """Officers write, photograph, submit and follow their department's updates."""

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        photos: PhotoStore,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._store = store
        self._audit = audit
        self._photos = photos
        self._settings = settings
        self._clock = clock

    # -- drafts ---------------------------------------------------------------------------

    def create_draft(self, actor: Actor, fields: DraftFields) -> Update:
        """Start an update for the officer's own department, saved as a draft."""
        self._audit.authorize(actor, Action.SUBMIT_UPDATE, department_code=actor.department_code)
        clean = checked_fields(fields)
        now = self._clock()
        with self._store.transaction() as cur:
            (update_id,) = cur.execute(
                "INSERT INTO updates (department_code, author, kind, title, text_bn, text_en,"
                " x_text, platforms, wished_at, event_at, event_place, status, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?)"
                " RETURNING id",
                [actor.department_code, actor.username, *_field_values(clean), now, now],
            ).fetchone()
            record_update_event(cur, update_id, actor=actor.username, event="created", at=now)
            self._audit.record(
                cur,
                actor=actor,
                action="create_update",
                target_type="update",
                target_id=str(update_id),
                department_code=actor.department_code,
                after=_fields_audit(clean),
            )
            return read_update(cur, update_id)

    def save_draft(self, actor: Actor, update_id: int, fields: DraftFields) -> Update:
        """Replace the fields of a draft (or of an update sent back for changes)."""
        self._authorize_write(actor, update_id)
        clean = checked_fields(fields)
        now = self._clock()
        with self._store.transaction() as cur:
            before = read_update(cur, update_id)
            _require_editable(before, "changed")
            cur.execute(
                "UPDATE updates SET kind = ?, title = ?, text_bn = ?, text_en = ?, x_text = ?,"
                " platforms = ?, wished_at = ?, event_at = ?, event_place = ?, updated_at = ?"
                " WHERE id = ?",
                [*_field_values(clean), now, update_id],
            )
            self._audit.record(
                cur,
                actor=actor,
                action="save_update",
                target_type="update",
                target_id=str(update_id),
                department_code=before.department_code,
                before=_fields_audit(DraftFields.of(before)),
                after=_fields_audit(clean),
            )
            return read_update(cur, update_id)

    # -- photos ---------------------------------------------------------------------------

    def add_photo(
        self, actor: Actor, update_id: int, original_name: str, data: bytes, alt_text: str = ""
    ) -> UpdatePhoto:
        """Check and store one photo and attach it at the end of the update's photos.

        A refused photo raises `InvalidPhoto` (naming the file and the reason) and changes
        nothing: the draft and its other photos stay as they were.
        """
        department = self._authorize_write(actor, update_id)
        alt = _checked_alt_text(alt_text)
        with self._store.cursor() as cur:
            update = read_update(cur, update_id)
        _require_editable(update, "given photos")
        _require_room_for_photo(len(update.photos))
        # Decoding and writing the photo happen outside the write transaction: they may take
        # a while, and nobody else's writes should wait for them.
        stored = self._photos.accept(original_name, data)
        try:
            with self._store.transaction() as cur:
                (count, last) = cur.execute(
                    "SELECT count(*), coalesce(max(position), 0) FROM update_photos"
                    " WHERE update_id = ?",
                    [update_id],
                ).fetchone()
                _require_room_for_photo(count)
                cur.execute(
                    "INSERT INTO update_photos (id, update_id, position, original_name,"
                    " stored_name, thumb_name, mime_type, width, height, size_bytes, alt_text,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        stored.id,
                        update_id,
                        last + 1,
                        stored.original_name,
                        stored.stored_name,
                        stored.thumb_name,
                        stored.mime_type,
                        stored.width,
                        stored.height,
                        stored.size_bytes,
                        alt,
                        self._clock(),
                    ],
                )
                cur.execute(
                    "UPDATE updates SET updated_at = ? WHERE id = ?", [self._clock(), update_id]
                )
                self._audit.record(
                    cur,
                    actor=actor,
                    action="add_update_photo",
                    target_type="update",
                    target_id=str(update_id),
                    department_code=department,
                    after={"photo": stored.id, "name": stored.original_name},
                )
        except BaseException:
            # The row was not written: the files would be orphans.
            with contextlib.suppress(HubError):
                self._photos.delete(stored.stored_name, stored.thumb_name)
            raise
        return UpdatePhoto(
            id=stored.id,
            position=last + 1,
            original_name=stored.original_name,
            stored_name=stored.stored_name,
            thumb_name=stored.thumb_name,
            mime_type=stored.mime_type,
            width=stored.width,
            height=stored.height,
            size_bytes=stored.size_bytes,
            alt_text=alt,
        )

    def remove_photo(self, actor: Actor, update_id: int, photo_id: str) -> Update:
        """Take a photo off a draft (its file is deleted) and close the gap in the order."""
        department = self._authorize_write(actor, update_id)
        with self._store.transaction() as cur:
            update = read_update(cur, update_id)
            _require_editable(update, "changed")
            photo = _photo_of(update, photo_id)
            cur.execute("DELETE FROM update_photos WHERE id = ?", [photo_id])
            _renumber(cur, update_id, [p.id for p in update.photos if p.id != photo_id])
            self._audit.record(
                cur,
                actor=actor,
                action="remove_update_photo",
                target_type="update",
                target_id=str(update_id),
                department_code=department,
                before={"photo": photo.id, "name": photo.original_name},
            )
        # After the commit: if deleting the files fails, the update is still right.
        with contextlib.suppress(HubError):
            self._photos.delete(photo.stored_name, photo.thumb_name)
        return self.get(actor, update_id)

    def set_alt_text(self, actor: Actor, update_id: int, photo_id: str, alt_text: str) -> Update:
        """Describe a photo for people who cannot see it."""
        department = self._authorize_write(actor, update_id)
        alt = _checked_alt_text(alt_text)
        with self._store.transaction() as cur:
            update = read_update(cur, update_id)
            _require_editable(update, "changed")
            photo = _photo_of(update, photo_id)
            cur.execute("UPDATE update_photos SET alt_text = ? WHERE id = ?", [alt, photo_id])
            self._audit.record(
                cur,
                actor=actor,
                action="set_photo_alt_text",
                target_type="update",
                target_id=str(update_id),
                department_code=department,
                before={"photo": photo.id, "alt_text": photo.alt_text},
                after={"photo": photo.id, "alt_text": alt},
            )
            return read_update(cur, update_id)

    def reorder(self, actor: Actor, update_id: int, photo_ids: list[str]) -> Update:
        """Put the photos in this order (every photo exactly once); X takes the first 4."""
        department = self._authorize_write(actor, update_id)
        with self._store.transaction() as cur:
            update = read_update(cur, update_id)
            _require_editable(update, "changed")
            current = [p.id for p in update.photos]
            if sorted(photo_ids) != sorted(current):
                raise InvalidInput(
                    N_(
                        "The new order must list each of the update's photos exactly once; "
                        "reload the page and try again."
                    )
                )
            _renumber(cur, update_id, list(photo_ids))
            self._audit.record(
                cur,
                actor=actor,
                action="reorder_update_photos",
                target_type="update",
                target_id=str(update_id),
                department_code=department,
                before=current,
                after=list(photo_ids),
            )
            return read_update(cur, update_id)

    def thumbnail(self, actor: Actor, update_id: int, photo_id: str) -> bytes:
        """A photo's thumbnail (JPEG) for whoever may see the update."""
        update = self.get(actor, update_id)
        return self._photos.read_thumbnail(_photo_of(update, photo_id).thumb_name)

    # -- submitting -----------------------------------------------------------------------

    def submit(self, actor: Actor, update_id: int) -> Update:
        """Send a draft (or a changed update) to the IT team's review queue.

        Raises `InvalidInput` listing every problem, or `LateLaunchNotice` for a launch
        notified too late; in both cases the draft stays as it is.
        """
        department = self._authorize_write(actor, update_id)
        now = self._clock()
        late: LateLaunchNotice | None = None
        with self._store.transaction() as cur:
            update = read_update(cur, update_id)
            _require_editable(update, "submitted")
            problems = submission_problems(update, now, self._settings)
            if problems:
                raise submission_refusal(problems)
            late = late_launch_notice(update, now, self._settings)
            if late is not None:
                # Recorded, not rolled back: IT's list of late launches and the department's
                # late-notice count are built from this event.
                record_update_event(
                    cur,
                    update_id,
                    actor=actor.username,
                    event=LATE_REFUSED_EVENT,
                    at=now,
                    note=late.as_message(),
                )
                self._audit.record(
                    cur,
                    actor=actor,
                    action="submit_update",
                    outcome="failed",
                    target_type="update",
                    target_id=str(update_id),
                    department_code=department,
                    detail=late.message,
                )
            else:
                mark_submitted(cur, self._audit, update, actor, now)
        if late is not None:
            raise late
        return self.get(actor, update_id)

    def withdraw(self, actor: Actor, update_id: int, note: str = "") -> Update:
        """Take an update back before it is approved; it is kept, as 'cancelled'."""
        department = self._authorize_write(actor, update_id)
        now = self._clock()
        note = nfc_trimmed(note or "") or None
        with self._store.transaction() as cur:
            changed = cur.execute(
                "UPDATE updates SET status = 'cancelled', updated_at = ?"
                " WHERE id = ? AND status IN ('draft', 'submitted', 'changes_requested')"
                " RETURNING id",
                [now, update_id],
            ).fetchone()
            if changed is None:
                status = read_update(cur, update_id).status
                raise InvalidInput(
                    N_(
                        "Update {number} is {status}: only a draft, "
                        "a submitted update or one sent back for changes can be withdrawn. "
                        "Ask the IT team to cancel its posts instead."
                    ),
                    number=update_id,
                    status=status.value.replace("_", " "),
                )
            record_update_event(
                cur, update_id, actor=actor.username, event="withdrawn", at=now, note=note
            )
            self._audit.record(
                cur,
                actor=actor,
                action="withdraw_update",
                target_type="update",
                target_id=str(update_id),
                department_code=department,
                after={"status": "cancelled"},
                detail=note,
            )
        return self.get(actor, update_id)

    # -- reading --------------------------------------------------------------------------

    def get(self, actor: Actor, update_id: int) -> Update:
        """One update with photos, posts (live links) and history, for whoever may see it."""
        department = department_of_update(self._store, update_id)
        self._audit.authorize(
            actor, Action.VIEW_UPDATES, department_code=department, target=str(update_id)
        )
        with self._store.cursor() as cur:
            return read_update(cur, update_id)

    def list_for_department(
        self,
        actor: Actor,
        department_code: str,
        *,
        statuses: tuple[UpdateStatus, ...] = (),
        limit: int = 200,
    ) -> list[Update]:
        """A department's updates, newest first (officers: their own department only)."""
        self._audit.authorize(actor, Action.VIEW_UPDATES, department_code=department_code)
        where, params = "department_code = ?", [department_code]
        if statuses:
            where += f" AND status IN ({', '.join('?' for _ in statuses)})"
            params += [str(s) for s in statuses]
        with self._store.cursor() as cur:
            return read_updates(cur, where, params, order="updated_at DESC, id DESC", limit=limit)

    def work_sites(
        self,
        actor: Actor,
        start: datetime,
        end: datetime,
        department_code: str | None = None,
        *,
        limit: int = 500,
    ) -> list[WorkSite]:
        """Approved updates about work in [start, end) (by the event's time, else approval)
        that name a ward in their title, place or texts: where the departments are at work.

        Officers see their own department's only (as with `VIEW_UPDATES`)."""
        if actor.department_code and department_code is None and actor.role is Role.OFFICER:
            department_code = actor.department_code
        self._audit.authorize(actor, Action.VIEW_UPDATES, department_code=department_code)
        where = "status = 'approved' AND coalesce(event_at, approved_at) >= ?"
        where += " AND coalesce(event_at, approved_at) < ?"
        params: list[object] = [start, end]
        if department_code is not None:
            where += " AND department_code = ?"
            params.append(department_code)
        with self._store.cursor() as cur:
            rows = cur.execute(
                "SELECT id, department_code, title, coalesce(event_place, ''), text_en, text_bn,"
                f" coalesce(event_at, approved_at) FROM updates WHERE {where}"
                " ORDER BY coalesce(event_at, approved_at) DESC, id DESC LIMIT ?",
                [*params, limit],
            ).fetchall()
        sites = []
        for update_id, code, title, place, text_en, text_bn, at in rows:
            wards = wards_mentioned(" \n".join((title, place, text_en, text_bn)))
            if wards:
                sites.append(WorkSite(update_id, code, title, place, tuple(wards), at))
        return sites

    def list_mine(self, actor: Actor, *, limit: int = 200) -> list[Update]:
        """The officer's workspace: every update of their department, newest first."""
        self._audit.authorize(actor, Action.SUBMIT_UPDATE, department_code=actor.department_code)
        with self._store.cursor() as cur:
            return read_updates(
                cur,
                "department_code = ?",
                [actor.department_code],
                order="updated_at DESC, id DESC",
                limit=limit,
            )

    def late_notice_counts(self, actor: Actor) -> dict[str, LateNoticeCount]:
        """Late launch notices per department (officers: their own department only)."""
        self._audit.authorize(actor, Action.VIEW_UPDATES, department_code=actor.department_code)
        where, params = "TRUE", []
        if actor.role is Role.OFFICER:
            where, params = "u.department_code = ?", [actor.department_code]
        with self._store.cursor() as cur:
            rows = cur.execute(
                "SELECT u.department_code, count(*), count(*) FILTER (WHERE u.late_notice)"
                " FROM updates u WHERE u.kind = 'launch' AND (u.late_notice OR EXISTS ("
                "   SELECT 1 FROM update_events e WHERE e.update_id = u.id AND e.event = ?))"
                f" AND {where} GROUP BY u.department_code ORDER BY u.department_code",
                [LATE_REFUSED_EVENT, *params],
            ).fetchall()
        return {code: LateNoticeCount(code, total, overridden) for code, total, overridden in rows}

    # -- helpers --------------------------------------------------------------------------

    def _authorize_write(self, actor: Actor, update_id: int) -> str:
        department = department_of_update(self._store, update_id)
        self._audit.authorize(
            actor, Action.SUBMIT_UPDATE, department_code=department, target=str(update_id)
        )
        return department


def mark_submitted(
    cur: duckdb.DuckDBPyConnection,
    audit: AuditLog,
    update: Update,
    actor: Actor,
    now: datetime,
    *,
    note: str | None = None,
) -> None:
    """Put `update` in the review queue: status, counters, history and audit in one go."""
    resubmission = update.status is UpdateStatus.CHANGES_REQUESTED
    changed = cur.execute(
        "UPDATE updates SET status = 'submitted', submissions = submissions + 1,"
        " submitted_at = ?, first_submitted_at = coalesce(first_submitted_at, ?),"
        " updated_at = ? WHERE id = ? AND status IN ('draft', 'changes_requested')"
        " RETURNING submissions",
        [now, now, now, update.id],
    ).fetchone()
    if changed is None:
        raise InvalidInput(
            N_("Update {number} was changed meanwhile: reload it and try again."),
            number=update.id,
        )
    record_update_event(
        cur,
        update.id,
        actor=actor.username,
        event="resubmitted" if resubmission else "submitted",
        at=now,
        note=note,
    )
    audit.record(
        cur,
        actor=actor,
        action="submit_update",
        target_type="update",
        target_id=str(update.id),
        department_code=update.department_code,
        before={"status": str(update.status)},
        after={"status": "submitted", "submissions": changed[0]},
        detail=note,
    )


# What `_require_editable` refuses, by what was tried: one whole sentence each to translate.
_NOT_EDITABLE = {
    "changed": N_(
        "Update {number} is {status}: only a draft or an "
        "update sent back for changes can be changed."
    ),
    "given photos": N_(
        "Update {number} is {status}: only a draft or an "
        "update sent back for changes can be given photos."
    ),
    "submitted": N_(
        "Update {number} is {status}: only a draft or an "
        "update sent back for changes can be submitted."
    ),
}


def _require_editable(update: Update, what: str) -> None:
    if update.status not in EDITABLE_BY_OFFICER:
        raise InvalidInput(
            _NOT_EDITABLE[what],
            number=update.id,
            status=update.status.value.replace("_", " "),
        )


def _require_room_for_photo(count: int) -> None:
    if count >= MAX_PHOTOS:
        raise InvalidInput(
            N_(
                "An update can have at most {limit} photos and this one has {count}: "
                "remove one before adding another."
            ),
            limit=MAX_PHOTOS,
            count=count,
        )


def _checked_alt_text(alt_text: str) -> str:
    alt = " ".join(nfc_trimmed(alt_text or "").split())
    if len(alt) > MAX_ALT_TEXT_LENGTH:
        raise InvalidInput(
            N_("The photo description is {length} characters; X allows {limit}: shorten it."),
            length=len(alt),
            limit=MAX_ALT_TEXT_LENGTH,
        )
    return alt


def _photo_of(update: Update, photo_id: str) -> UpdatePhoto:
    for photo in update.photos:
        if photo.id == photo_id:
            return photo
    raise NotFound(
        N_("Update {number} has no photo {photo!r}: reload the page."),
        number=update.id,
        photo=photo_id,
    )


def _renumber(cur: duckdb.DuckDBPyConnection, update_id: int, photo_ids: list[str]) -> None:
    for position, photo_id in enumerate(photo_ids, start=1):
        cur.execute(
            "UPDATE update_photos SET position = ? WHERE id = ? AND update_id = ?",
            [position, photo_id, update_id],
        )


__all__ = [
    "EDITABLE_BY_OFFICER",
    "LATE_REFUSED_EVENT",
    "MAX_PHOTOS",
    "POST_COLUMNS",
    "WITHDRAWABLE",
    "LateLaunchNotice",
    "LateNoticeCount",
    "UpdateService",
    "awaits_launch_override",
    "checked_fields",
    "department_of_update",
    "is_web_link",
    "late_launch_notice",
    "mark_submitted",
    "post_from_row",
    "read_update",
    "read_updates",
    "record_update_event",
    "submission_problems",
    "submission_refusal",
]


def _field_values(clean: DraftFields) -> list:
    """The draft's columns in the order kind, title, text_bn, text_en, x_text, platforms,
    wished_at, event_at, event_place (as the INSERT and UPDATE above list them)."""
    return [
        str(clean.kind),
        clean.title,
        clean.text_bn,
        clean.text_en,
        clean.x_text,
        [str(p) for p in clean.platforms],
        clean.wished_at,
        clean.event_at,
        clean.event_place,
    ]
