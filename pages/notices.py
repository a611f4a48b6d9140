"""Notices to subscribers: officers write (with a preview per language), IT reviews, everyone
who may see a department's updates follows each notice's messages as they go out."""

from datetime import date, datetime, time, timedelta

import streamlit as st
from babel.dates import format_date

from hub.clock import utc_now
from hub.errors import HubError
from hub.i18n import LANGUAGES
from hub.notices.notices import KINDS, NoticeDraft
from hub.permissions import Action, is_allowed
from hub.ward_lists import ward_ranges
from ui import session
from ui.i18n import _, current_language, digits, format_local, format_number

actor = session.require_actor()
hub = session.get_hub()
zone = hub.settings.display_zone
st.title(_("Notices"))
st.caption(
    _(
        "Field work and advisories go in the next morning's digest (one message per subscriber,"
        " {time} IST); a disruption goes as soon as IT approves it."
    ).format(
        time=digits(
            f"{hub.settings.notices.digest_hour:02d}:{hub.settings.notices.digest_minute:02d}"
        )
    )
)

# A notice's status as people read it (the stored values stay English).
STATUS_LABELS = {
    "draft": _("draft"),
    "submitted": _("submitted"),
    "changes_requested": _("changes requested"),
    "approved": _("approved"),
    "rejected": _("rejected"),
    "cancelled": _("cancelled"),
}

flash = st.session_state.pop("notices_flash", None)
if flash:
    st.success(flash)


def done(message: str) -> None:
    """Show `message` after the rerun that refreshes the lists."""
    st.session_state["notices_flash"] = message
    st.rerun()


def kind_label(kind: str) -> str:
    """A notice's kind in the reader's language."""
    return _(KINDS[kind])


def day_label(day: date) -> str:
    """A digest's day (``07 Dec``) in the reader's language."""
    language = current_language()
    return digits(format_date(day, "dd MMM", locale="bn" if language == "bn" else "en"))


can_write = is_allowed(actor, Action.SUBMIT_UPDATE, actor.department_code)
can_review = is_allowed(actor, Action.REVIEW_UPDATE)
tabs = {"notices": _("Notices")}
if can_write:
    tabs = {"write": _("Write a notice"), **tabs}
if can_review:
    tabs = {"review": _("Review"), **tabs}
shown = dict(zip(tabs, st.tabs(list(tabs.values())), strict=True))

if can_write:
    with shown["write"]:
        today = utc_now().astimezone(zone).date()
        kind = st.selectbox(_("Kind"), list(KINDS), format_func=kind_label, key="notice_kind")
        boroughs = hub.notices.borough_lines()
        wards_text = st.text_input(
            _("Wards"),
            placeholder=_("e.g. 60-65, 88 or borough 7") if boroughs else _("e.g. 60-65, 88"),
            key="notice_wards",
            help=digits(
                "  \n".join([_("Numbers and ranges"), *(b.translated(_) for b in boroughs)])
            ),
        )
        wards: tuple[int, ...] | None = None
        try:
            wards = hub.notices.wards_from(wards_text)
        except HubError as exc:
            session.show_error(exc)
        if wards:
            st.caption(_("Wards: {wards}").format(wards=digits(ward_ranges(wards))))
        left, right = st.columns(2)
        day = left.date_input(_("Day"), value=today + timedelta(days=1), format="DD/MM/YYYY")
        hours = right.slider(_("From – to (IST)"), 0, 24, (10, 14), key="notice_hours")
        text_bn = st.text_area(_("Notice in Bengali"), key="notice_bn", max_chars=1000)
        text_en = st.text_area(_("Notice in English"), key="notice_en", max_chars=1000)
        also_post = st.checkbox(
            _("Also post it on the city's Facebook Page and X"),
            key="notice_also_post",
            help=_("Posted when subscribers get it (at once, or with the morning digest)."),
        )
        starts = datetime.combine(day, time(min(hours[0], 23)), zone)
        ends = datetime.combine(day, time(0), zone) + timedelta(hours=hours[1])
        draft = None
        if wards is not None:
            draft = NoticeDraft(kind, text_bn, text_en, wards, starts, ends, also_post)
        if draft is not None and draft.wards and (text_bn or text_en):
            st.markdown(_("**What subscribers will read**"))
            preview = hub.notices.preview(actor.department_code, draft)
            first, second = st.columns(2)
            first.caption(LANGUAGES["bn"])
            first.text(preview["bn"])
            second.caption(LANGUAGES["en"])
            second.text(preview["en"])
        if st.button(_("Submit for review"), type="primary", disabled=draft is None):
            try:
                notice = hub.notices.create(actor, actor.department_code, draft)
                hub.notices.submit(actor, notice.id)
            except HubError as exc:
                session.show_error(exc)
            else:
                done(_("Notice #{id} is with IT for review.").format(id=notice.id))

if can_review:
    with shown["review"]:
        try:
            waiting = hub.notices.list_notices(actor, statuses=("submitted",))
        except HubError as exc:
            session.show_error(exc)
            waiting = []
        if not waiting:
            st.info(_("No notice is waiting for review."))
        for notice in waiting:
            with st.container(border=True):
                st.markdown(
                    _("**#{id} · {department} · {kind}** by {author}").format(
                        id=notice.id,
                        department=notice.department_code,
                        kind=kind_label(notice.kind),
                        author=notice.author,
                    )
                )
                preview = hub.notices.preview_of(notice)
                st.text(preview["bn"])
                st.text(preview["en"])
                if notice.also_post:
                    st.caption(
                        _(
                            "Also to be posted on Facebook and X when subscribers get it"
                            " (approving schedules the posts)."
                        )
                    )
                note = st.text_input(_("Note or reason"), key=f"notice_note_{notice.id}")
                approve, back, reject = st.columns(3)
                try:
                    if approve.button(_("Approve"), key=f"notice_ok_{notice.id}", type="primary"):
                        hub.notices.approve(actor, notice.id, note)
                        done(_("Notice #{id} approved.").format(id=notice.id))
                    if back.button(_("Ask for changes"), key=f"notice_back_{notice.id}"):
                        hub.notices.request_changes(actor, notice.id, note)
                        done(_("Notice #{id} sent back to its officer.").format(id=notice.id))
                    if reject.button(_("Reject"), key=f"notice_no_{notice.id}"):
                        hub.notices.reject(actor, notice.id, note)
                        done(_("Notice #{id} rejected.").format(id=notice.id))
                except HubError as exc:
                    session.show_error(exc)

with shown["notices"]:
    try:
        notices = hub.notices.list_notices(actor, limit=50)
    except HubError as exc:
        session.show_error(exc)
        st.stop()
    if not notices:
        st.info(_("No notices yet."))
    for notice in notices:
        with st.container(border=True):
            st.markdown(
                _("**#{id} · {department} · {kind}** · {status}").format(
                    id=notice.id,
                    department=notice.department_code,
                    kind=kind_label(notice.kind),
                    status=STATUS_LABELS.get(notice.status, notice.status.replace("_", " ")),
                )
            )
            line = _("wards {wards} · {starts} – {ends}").format(
                wards=digits(", ".join(map(str, notice.wards))),
                starts=format_local(notice.starts_at, zone),
                ends=format_local(notice.ends_at, zone),
            )
            if notice.digest_date:
                line += " · " + _("digest of {day}").format(day=day_label(notice.digest_date))
            st.caption(line)
            # A Bengali reader sees the Bengali text the officer wrote, when there is one.
            bengali = current_language() == "bn" and notice.text_bn
            st.text(notice.text_bn if bengali else notice.text_en)
            if notice.review_note or notice.reject_reason:
                st.warning(session.as_literal_markdown(notice.reject_reason or notice.review_note))
            if notice.status == "approved":
                funnel = hub.notice_sender.funnel(actor, notice.id)
                if funnel.total:
                    st.progress(
                        funnel.done_share,
                        text=_(
                            "{total} message(s): {queued} queued, {sent} sent, {delivered}"
                            " delivered, {read} read, {failed} failed, {cancelled} cancelled"
                            " (STOP), {attention} for a person"
                        ).format(
                            total=format_number(funnel.total),
                            queued=format_number(funnel.queued),
                            sent=format_number(funnel.sent),
                            delivered=format_number(funnel.delivered),
                            read=format_number(funnel.read),
                            failed=format_number(funnel.failed),
                            cancelled=format_number(funnel.cancelled),
                            attention=format_number(funnel.needs_attention),
                        ),
                    )
                else:
                    st.caption(_("Its messages are made when it goes (at once or the digest)."))
