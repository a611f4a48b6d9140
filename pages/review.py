"""Review queue (IT): preview, edit, approve with a time per platform, send back, reject,
and decide on launches notified late."""

from datetime import datetime, timedelta

import streamlit as st

from hub.clock import utc_now
from hub.errors import HubError
from hub.platforms.base import Platform
from hub.publishing.models import REJECT_REASONS, UpdateKind
from ui import session
from ui.i18n import _, format_local, format_number
from ui.publishing_words import length_label, platform_label

actor = session.require_actor()
hub = session.get_hub()
zone = hub.settings.display_zone
st.title(_("Review queue"))

try:
    queue = hub.review.queue(actor)
    late_launches = hub.review.late_launches(actor)
except HubError as exc:
    session.show_error(exc)
    st.stop()

flash = st.session_state.pop("review_flash", None)
if flash:
    st.success(flash)


def reject_reason_label(code: str) -> str:
    """A rejection reason in the reader's language (the code itself for an unknown one)."""
    return _(REJECT_REASONS.get(code, code))


def done(message: str) -> None:
    """Show `message` after the rerun that refreshes the queue."""
    st.session_state["review_flash"] = message
    st.rerun()


def show_update(update) -> None:
    """The update as submitted: who, when, what, and its photos (officer text as text)."""
    st.text(update.title)
    facts = [
        f"#{update.id}",
        update.department_code,
        _("by {author}").format(author=update.author),
        _("launch") if update.kind is UpdateKind.LAUNCH else _("work update"),
        _("submission {number}").format(number=format_number(update.submissions)),
        _("wished for {when}").format(when=format_local(update.wished_at, zone)),
    ]
    st.caption(" · ".join(facts))
    if update.kind is UpdateKind.LAUNCH:
        st.text(
            _("Event: {when}, {place}").format(
                when=format_local(update.event_at, zone), place=update.event_place or "—"
            )
        )
    if update.override_reason:
        st.info(_("Notified late; the 24-hour rule was overridden with this reason:"))
        st.text(update.override_reason)
    if update.photos:
        columns = st.columns(min(5, len(update.photos)))
        for index, photo in enumerate(update.photos):
            column = columns[index % len(columns)]
            try:
                column.image(
                    hub.updates.thumbnail(actor, update.id, photo.id),
                    alt=photo.alt_text or None,
                )
            except HubError as exc:
                column.text(exc.translated(_))
            description = photo.alt_text or _("(no description)")
            column.text(f"{photo.position}. {description}")


st.subheader(_("Waiting for review ({count})").format(count=format_number(len(queue))))
if not queue:
    st.info(_("Nothing is waiting for review."))
else:
    items = {item.update.id: item for item in queue}
    picked = st.selectbox(
        _("Update (longest waiting first)"),
        list(items),
        format_func=lambda i: f"#{i} · {items[i].update.department_code} · {items[i].update.title}",
        key="review_pick",
    )
    item = items[picked]
    update = item.update
    with st.container(border=True):
        show_update(update)
        columns = st.columns(len(item.previews) or 1)
        for column, shown in zip(columns, item.previews, strict=False):
            with column.container(border=True):
                st.markdown(f"**{platform_label(shown.platform)}**")
                st.text(shown.text)
                st.caption(
                    _("{length} · photos: {photos}").format(
                        length=length_label(shown), photos=format_number(shown.photos_used)
                    )
                )
                for warning in shown.warnings:
                    st.warning(
                        warning.translated(_),
                        icon=":material/warning:",
                    )
        if item.problems:
            st.warning(_("It cannot be approved as it is: edit it or request changes."))
            for problem in item.problems:
                st.text(f"- {problem.translated(_)}")

    approve_tab, edit_tab, changes_tab, reject_tab = st.tabs(
        [_("Approve"), _("Edit"), _("Request changes"), _("Reject")]
    )
    with approve_tab:
        now = utc_now()
        # Kept for the session: a default that moved with the clock would reset the inputs.
        suggested = st.session_state.setdefault(
            f"review_suggested_{update.id}",
            (
                update.wished_at
                if update.wished_at and update.wished_at > now
                else now + timedelta(minutes=15)
            ).astimezone(zone),
        )
        publish_now = st.checkbox(
            _("Publish as soon as it is approved"), key=f"review_now_{update.id}"
        )
        schedule = {}
        for platform in update.platforms if not publish_now else ():
            left, right = st.columns(2)
            day = left.date_input(
                _("{platform}: date (Asia/Kolkata)").format(platform=platform_label(platform)),
                suggested.date(),
                key=f"review_day_{update.id}_{platform.value}",
            )
            clock = right.time_input(
                _("{platform}: time").format(platform=platform_label(platform)),
                suggested.time().replace(second=0, microsecond=0),
                step=300,
                key=f"review_time_{update.id}_{platform.value}",
            )
            if day is not None and clock is not None:
                schedule[platform] = datetime.combine(day, clock, tzinfo=zone)
        if publish_now:
            schedule = dict.fromkeys(update.platforms, now)
        native = False
        if Platform.FACEBOOK in update.platforms and not publish_now:
            native = st.checkbox(
                _("Let Facebook schedule it (10 minutes to 30 days ahead)"),
                key=f"review_native_{update.id}",
                help=_("Facebook holds the post and publishes it itself at that time."),
            )
        if st.button(_("Approve and schedule"), type="primary", key="review_approve"):
            try:
                hub.review.approve(actor, update.id, schedule, native_scheduling=native)
            except HubError as exc:
                session.show_error(exc)
            else:
                done(_("Update #{number} approved and scheduled.").format(number=update.id))
    with edit_tab:
        title = st.text_input(_("Title"), update.title, key=f"review_title_{update.id}")
        text_bn = st.text_area(_("Bengali text"), update.text_bn, key=f"review_bn_{update.id}")
        text_en = st.text_area(_("English text"), update.text_en, key=f"review_en_{update.id}")
        x_text = st.text_area(
            _("Separate X text (empty: made from the texts)"),
            update.x_text or "",
            key=f"review_x_{update.id}",
        )
        changes = {"title": title, "text_bn": text_bn, "text_en": text_en, "x_text": x_text}
        if update.kind is UpdateKind.LAUNCH:
            changes["event_place"] = st.text_input(
                _("Event place"), update.event_place or "", key=f"review_place_{update.id}"
            )
        if st.button(_("Save edits"), key="review_edit"):
            try:
                hub.review.edit(actor, update.id, changes)
            except HubError as exc:
                session.show_error(exc)
            else:
                done(_("Update #{number} edited.").format(number=update.id))
    with changes_tab:
        note = st.text_area(
            _("What should the officer change?"), key=f"review_changes_note_{update.id}"
        )
        if st.button(_("Send back for changes"), key="review_request_changes"):
            try:
                hub.review.request_changes(actor, update.id, note)
            except HubError as exc:
                session.show_error(exc)
            else:
                done(
                    _("Update #{number} sent back to {department}.").format(
                        number=update.id, department=update.department_code
                    )
                )
    with reject_tab:
        reason = st.selectbox(
            _("Reason"),
            list(REJECT_REASONS),
            format_func=reject_reason_label,
            key=f"review_reject_reason_{update.id}",
        )
        reject_note = st.text_area(_("Note to the officer"), key=f"review_reject_note_{update.id}")
        if st.button(_("Reject"), key="review_reject"):
            try:
                hub.review.reject(actor, update.id, reason, reject_note)
            except HubError as exc:
                session.show_error(exc)
            else:
                done(_("Update #{number} rejected.").format(number=update.id))

st.subheader(
    _("Late launches awaiting a decision ({count})").format(count=format_number(len(late_launches)))
)
st.caption(
    _(
        "Launches refused because they reached the IT team less than {hours} hours before "
        "the event. Overriding records your reason, counts as the department's late notice, "
        "and submits the launch into the queue when it is otherwise complete."
    ).format(hours=format_number(hub.settings.launch_notice_hours))
)
if not late_launches:
    st.info(_("No late launch is waiting."))
for item in late_launches:
    update = item.update
    with st.container(border=True):
        show_update(update)
        refusal = next((e for e in reversed(update.events) if e.event == "late_refused"), None)
        if refusal is not None:
            st.text(refusal.shown_note.translated(_) if refusal.shown_note else "")
        reason = st.text_input(
            _("Reason for letting it through"), key=f"review_override_reason_{update.id}"
        )
        if st.button(
            _("Override the {hours}-hour rule").format(
                hours=format_number(hub.settings.launch_notice_hours)
            ),
            key=f"review_override_{update.id}",
        ):
            try:
                outcome = hub.review.override_launch_rule(actor, update.id, reason)
            except HubError as exc:
                session.show_error(exc)
            else:
                done(
                    (
                        _("Override recorded; launch #{number} is now in the review queue.")
                        if outcome.submitted_for_officer
                        else _(
                            "Override recorded for launch #{number}. It stays a draft until "
                            "the officer completes it; their next submission skips the "
                            "24-hour rule."
                        )
                    ).format(number=update.id)
                )
