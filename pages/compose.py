"""New update (officers): write a work update or a launch, add photos, preview, submit."""

from datetime import datetime, timedelta

import streamlit as st

from hub.clock import utc_now
from hub.errors import HubError
from hub.platforms.base import Platform
from hub.publishing.compose import DraftFields, preview
from hub.publishing.models import UpdateKind, UpdateStatus
from hub.publishing.updates import EDITABLE_BY_OFFICER
from ui import session
from ui.i18n import _, format_local, format_number
from ui.publishing_words import length_label, platform_label

actor = session.require_actor()
hub = session.get_hub()
zone = hub.settings.display_zone
st.title(_("New update"))

try:
    mine = hub.updates.list_mine(actor)
except HubError as exc:
    session.show_error(exc)
    st.stop()

# A draft just created is chosen on the next run; the selectbox's value can only be set
# before the selectbox is drawn.
if "compose_next" in st.session_state:
    st.session_state["compose_pick"] = st.session_state.pop("compose_next")
# Messages of the action that ended the previous run (a rerun would otherwise lose them).
for level, message in st.session_state.pop("compose_flash", []):
    # The page is long and the buttons sit low on it: a toast is seen wherever the officer
    # has scrolled to, the message at the top stays for reading.
    if level == "error":
        st.error(message, icon=":material/error:")
        st.toast(message, icon=":material/error:", duration="long")
    else:
        st.success(message)
        st.toast(message, icon=":material/check_circle:")


editable = {u.id: u for u in mine if u.status in EDITABLE_BY_OFFICER}
STATUS_WORDS = {
    UpdateStatus.DRAFT: _("draft"),
    UpdateStatus.CHANGES_REQUESTED: _("changes requested"),
}


def pick_label(update_id: int | None) -> str:
    """How the selectbox names a choice: a new update, or an editable one by number."""
    if update_id is None:
        return _("New update")
    update = editable[update_id]
    status = STATUS_WORDS.get(update.status, update.status.value.replace("_", " "))
    title = update.title or _("(no title)")
    return f"#{update_id} · {title} · {status}"


picked = st.selectbox(
    _("Write a new update, or continue one"),
    [None, *editable],
    format_func=pick_label,
    key="compose_pick",
)
current = editable.get(picked)
# Widget keys carry the update's number, so choosing another update shows its own values.
suffix = current.id if current else "new"

if current and current.status is UpdateStatus.CHANGES_REQUESTED:
    st.warning(_("The IT team asked for changes before this update can go out:"))
    st.text(current.review_note or "")

saved = DraftFields.of(current) if current else DraftFields()


def local_parts(moment: datetime | None) -> tuple:
    """A stored moment as the date and time people enter, in the display zone."""
    if moment is None:
        return None, None
    local = moment.astimezone(zone)
    return local.date(), local.time().replace(second=0, microsecond=0)


def aware(day, clock) -> datetime | None:
    """The entered date and time as a moment in the display zone (None until both are given)."""
    if day is None or clock is None:
        return None
    return datetime.combine(day, clock, tzinfo=zone)


kinds = [UpdateKind.WORK_UPDATE, UpdateKind.LAUNCH]
kind = st.radio(
    _("Kind"),
    kinds,
    index=kinds.index(saved.kind),
    format_func=lambda k: _("Work update") if k is UpdateKind.WORK_UPDATE else _("Project launch"),
    horizontal=True,
    key=f"compose_kind_{suffix}",
)
title = st.text_input(_("Title"), saved.title, max_chars=200, key=f"compose_title_{suffix}")
text_bn = st.text_area(_("Text in Bengali (বাংলা)"), saved.text_bn, key=f"compose_text_bn_{suffix}")
text_en = st.text_area(_("Text in English"), saved.text_en, key=f"compose_text_en_{suffix}")
x_text = st.text_area(
    _("Separate, shorter text for X (optional)"),
    saved.x_text or "",
    help=_("Without it the X post is made from the title and texts; X allows 280 (weighted)."),
    key=f"compose_x_text_{suffix}",
)


platforms = st.multiselect(
    _("Platforms"),
    [Platform.FACEBOOK, Platform.X],
    default=list(saved.platforms),
    format_func=platform_label,
    key=f"compose_platforms_{suffix}",
)
wished_day, wished_time = local_parts(saved.wished_at)
left, right = st.columns(2)
wished_day = left.date_input(
    _("Wished publication date (Asia/Kolkata)"), wished_day, key=f"compose_wished_day_{suffix}"
)
wished_time = right.time_input(
    _("Wished publication time"), wished_time, step=300, key=f"compose_wished_time_{suffix}"
)
event_at, event_place = saved.event_at, saved.event_place
if kind is UpdateKind.LAUNCH:
    st.caption(
        _("A launch must reach the IT team {hours} hours before the event.").format(
            hours=format_number(hub.settings.launch_notice_hours)
        )
    )
    event_day, event_time = local_parts(saved.event_at)
    left, right = st.columns(2)
    event_day = left.date_input(_("Event date"), event_day, key=f"compose_event_day_{suffix}")
    event_time = right.time_input(
        _("Event time"), event_time, step=300, key=f"compose_event_time_{suffix}"
    )
    event_at = aware(event_day, event_time)
    event_place = st.text_input(
        _("Event place"), saved.event_place or "", key=f"compose_event_place_{suffix}"
    )
    if event_at is not None and not (current and current.override_reason):
        deadline = event_at - timedelta(hours=hub.settings.launch_notice_hours)
        if deadline < utc_now():
            st.warning(
                _(
                    "The deadline for this launch was {deadline}: it will be refused unless "
                    "the IT team overrides the rule."
                ).format(deadline=format_local(deadline, zone)),
                icon=":material/schedule:",
            )
        else:
            st.caption(_("Submit it by {deadline}.").format(deadline=format_local(deadline, zone)))

draft = DraftFields(
    kind=kind,
    title=title,
    text_bn=text_bn,
    text_en=text_en,
    x_text=x_text,
    platforms=tuple(platforms),
    wished_at=aware(wished_day, wished_time),
    event_at=event_at,
    event_place=event_place,
)

st.subheader(_("Preview"))


photo_count = len(current.photos) if current else 0
previews = preview(draft.normalised(), photo_count=photo_count, zone=zone) if platforms else []
for column, shown in zip(st.columns(max(1, len(previews))), previews, strict=False):
    with column.container(border=True):
        st.markdown(f"**{platform_label(shown.platform)}**")
        st.text(shown.text or _("(empty)"))
        st.caption(
            _("{length} · photos: {photos}").format(
                length=length_label(shown), photos=format_number(shown.photos_used)
            )
        )
        for warning in shown.warnings:
            st.warning(warning.translated(_), icon=":material/warning:")


def save() -> int:
    """Save the form as a draft (new or existing) and return its number."""
    if current is None:
        return hub.updates.create_draft(actor, draft).id
    return hub.updates.save_draft(actor, current.id, draft).id


left, right = st.columns(2)
if left.button(_("Save draft"), key="compose_save"):
    try:
        update_id = save()
    except HubError as exc:
        session.show_error(exc)
    else:
        st.session_state["compose_next"] = update_id
        st.session_state["compose_flash"] = [
            ("success", _("Draft #{number} saved.").format(number=update_id))
        ]
        st.rerun()
if right.button(_("Submit for review"), type="primary", key="compose_submit"):
    update_id = None
    try:
        update_id = save()
        submitted = hub.updates.submit(actor, update_id)
    except HubError as exc:
        if update_id is None:
            session.show_error(exc)
        else:
            # Saved but not submitted: show the draft, and why, on the next run.
            st.session_state["compose_next"] = update_id
            st.session_state["compose_flash"] = [("error", exc.translated(_))]
            st.rerun()
    else:
        st.session_state["compose_flash"] = [
            (
                "success",
                _(
                    "Update #{number} sent to the IT team for review (submission {submission})."
                ).format(number=submitted.id, submission=format_number(submitted.submissions)),
            )
        ]
        st.rerun()

st.subheader(_("Photos"))
if current is None:
    st.info(_("Save the draft first, then add 1 to 10 photos."))
    st.stop()

st.caption(
    _(
        "1 to 10 photos (JPEG, PNG or WebP, checked by their content). X shows the first 4. "
        "Describe each photo for people who cannot see it: the description is required."
    )
)
upload_round = st.session_state.setdefault("compose_upload_round", 0)
uploads = st.file_uploader(
    _("Add photos"),
    accept_multiple_files=True,
    key=f"compose_upload_{current.id}_{upload_round}",
)
if uploads and st.button(_("Add these photos"), key="compose_add_photos"):
    # Each photo on its own: a refused one is named with its reason, the others are kept.
    messages, added = [], 0
    for upload in uploads:
        try:
            hub.updates.add_photo(actor, current.id, upload.name, upload.getvalue())
        except HubError as exc:
            messages.append(("error", exc.translated(_)))
        else:
            added += 1
    if added:
        messages.insert(
            0, ("success", _("{count} photo(s) added.").format(count=format_number(added)))
        )
    st.session_state["compose_upload_round"] = upload_round + 1
    st.session_state["compose_flash"] = messages
    st.rerun()

for photo in current.photos:
    with st.container(border=True):
        image, details = st.columns([1, 3])
        try:
            image.image(
                hub.updates.thumbnail(actor, current.id, photo.id),
                width=140,
                alt=photo.alt_text or None,
            )
        except HubError as exc:
            image.text(exc.translated(_))
        details.text(f"{photo.position}. {photo.original_name} ({photo.width}×{photo.height})")
        details.text_input(
            _("Description (alt text)"),
            photo.alt_text,
            max_chars=1000,
            key=f"compose_alt_{photo.id}",
        )
        up, remove = details.columns(2)
        if photo.position > 1 and up.button(_("Move up"), key=f"compose_up_{photo.id}"):
            order = [p.id for p in current.photos]
            index = order.index(photo.id)
            order[index - 1], order[index] = order[index], order[index - 1]
            try:
                hub.updates.reorder(actor, current.id, order)
            except HubError as exc:
                session.show_error(exc)
            else:
                st.rerun()
        if remove.button(_("Remove"), key=f"compose_remove_{photo.id}"):
            try:
                hub.updates.remove_photo(actor, current.id, photo.id)
            except HubError as exc:
                session.show_error(exc)
            else:
                st.rerun()

if current.photos and st.button(_("Save photo descriptions"), key="compose_save_alt"):
    try:
        for photo in current.photos:
            text = st.session_state.get(f"compose_alt_{photo.id}", photo.alt_text)
            if text != photo.alt_text:
                hub.updates.set_alt_text(actor, current.id, photo.id, text)
    except HubError as exc:
        session.show_error(exc)
    else:
        st.session_state["compose_flash"] = [("success", _("Photo descriptions saved."))]
        st.rerun()

st.caption(_("Last saved {when}.").format(when=format_local(current.updated_at, zone)))
