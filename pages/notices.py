"""Notices to subscribers: officers write (with a preview per language), IT reviews, everyone
who may see a department's updates follows each notice's messages as they go out."""

from datetime import datetime, time, timedelta

import streamlit as st

from hub.clock import format_local, utc_now
from hub.errors import HubError
from hub.notices.notices import KINDS, NoticeDraft, parse_wards
from hub.permissions import Action, is_allowed
from ui import session

actor = session.require_actor()
hub = session.get_hub()
zone = hub.settings.display_zone
st.title("Notices")
st.caption(
    "Field work and advisories go in the next morning's digest (one message per subscriber,"
    f" {hub.settings.notices.digest_hour:02d}:{hub.settings.notices.digest_minute:02d} IST);"
    " a disruption goes as soon as IT approves it."
)

flash = st.session_state.pop("notices_flash", None)
if flash:
    st.success(flash)


def done(message: str) -> None:
    """Show `message` after the rerun that refreshes the lists."""
    st.session_state["notices_flash"] = message
    st.rerun()


can_write = is_allowed(actor, Action.SUBMIT_UPDATE, actor.department_code)
can_review = is_allowed(actor, Action.REVIEW_UPDATE)
tabs = ["Notices"]
if can_write:
    tabs.insert(0, "Write a notice")
if can_review:
    tabs.insert(0, "Review")
shown = dict(zip(tabs, st.tabs(tabs), strict=True))

if can_write:
    with shown["Write a notice"]:
        today = utc_now().astimezone(zone).date()
        kind = st.selectbox("Kind", list(KINDS), format_func=KINDS.get, key="notice_kind")
        wards_text = st.text_input(
            "Wards", placeholder="e.g. 60-65, 88", key="notice_wards", help="Numbers and ranges"
        )
        left, right = st.columns(2)
        day = left.date_input("Day", value=today + timedelta(days=1), format="DD/MM/YYYY")
        hours = right.slider("From – to (IST)", 0, 24, (10, 14), key="notice_hours")
        text_bn = st.text_area("Notice in Bengali", key="notice_bn", max_chars=1000)
        text_en = st.text_area("Notice in English", key="notice_en", max_chars=1000)
        also_post = st.checkbox(
            "Also post it on the city's Facebook Page and X",
            key="notice_also_post",
            help="Posted when subscribers get it (at once, or with the morning digest).",
        )
        starts = datetime.combine(day, time(min(hours[0], 23)), zone)
        ends = datetime.combine(day, time(0), zone) + timedelta(hours=hours[1])
        draft = None
        try:
            draft = NoticeDraft(
                kind, text_bn, text_en, parse_wards(wards_text), starts, ends, also_post
            )
        except HubError as exc:
            session.show_error(exc)
        if draft is not None and draft.wards and (text_bn or text_en):
            st.markdown("**What subscribers will read**")
            preview = hub.notices.preview(actor.department_code, draft)
            first, second = st.columns(2)
            first.caption("বাংলা")
            first.text(preview["bn"])
            second.caption("English")
            second.text(preview["en"])
        if st.button("Submit for review", type="primary", disabled=draft is None):
            try:
                notice = hub.notices.create(actor, actor.department_code, draft)
                hub.notices.submit(actor, notice.id)
            except HubError as exc:
                session.show_error(exc)
            else:
                done(f"Notice #{notice.id} is with IT for review.")

if can_review:
    with shown["Review"]:
        try:
            waiting = hub.notices.list_notices(actor, statuses=("submitted",))
        except HubError as exc:
            session.show_error(exc)
            waiting = []
        if not waiting:
            st.info("No notice is waiting for review.")
        for notice in waiting:
            with st.container(border=True):
                st.markdown(
                    f"**#{notice.id} · {notice.department_code} · {KINDS[notice.kind]}** by"
                    f" {notice.author}"
                )
                preview = hub.notices.preview_of(notice)
                st.text(preview["bn"])
                st.text(preview["en"])
                if notice.also_post:
                    st.caption(
                        "Also to be posted on Facebook and X when subscribers get it (approving"
                        " schedules the posts)."
                    )
                note = st.text_input("Note or reason", key=f"notice_note_{notice.id}")
                approve, back, reject = st.columns(3)
                try:
                    if approve.button("Approve", key=f"notice_ok_{notice.id}", type="primary"):
                        hub.notices.approve(actor, notice.id, note)
                        done(f"Notice #{notice.id} approved.")
                    if back.button("Ask for changes", key=f"notice_back_{notice.id}"):
                        hub.notices.request_changes(actor, notice.id, note)
                        done(f"Notice #{notice.id} sent back to its officer.")
                    if reject.button("Reject", key=f"notice_no_{notice.id}"):
                        hub.notices.reject(actor, notice.id, note)
                        done(f"Notice #{notice.id} rejected.")
                except HubError as exc:
                    session.show_error(exc)

with shown["Notices"]:
    try:
        notices = hub.notices.list_notices(actor, limit=50)
    except HubError as exc:
        session.show_error(exc)
        st.stop()
    if not notices:
        st.info("No notices yet.")
    for notice in notices:
        with st.container(border=True):
            st.markdown(
                f"**#{notice.id} · {notice.department_code} · {KINDS[notice.kind]}** ·"
                f" {notice.status.replace('_', ' ')}"
            )
            st.caption(
                f"wards {', '.join(map(str, notice.wards))} ·"
                f" {format_local(notice.starts_at, zone)} – {format_local(notice.ends_at, zone)}"
                + (f" · digest of {notice.digest_date:%d %b}" if notice.digest_date else "")
            )
            st.text(notice.text_en)
            if notice.review_note or notice.reject_reason:
                st.warning(session.as_literal_markdown(notice.reject_reason or notice.review_note))
            if notice.status == "approved":
                funnel = hub.notice_sender.funnel(actor, notice.id)
                if funnel.total:
                    st.progress(
                        funnel.done_share,
                        text=f"{funnel.total:,} message(s): {funnel.queued:,} queued,"
                        f" {funnel.sent:,} sent, {funnel.delivered:,} delivered,"
                        f" {funnel.read:,} read, {funnel.failed:,} failed,"
                        f" {funnel.cancelled:,} cancelled (STOP),"
                        f" {funnel.needs_attention:,} for a person",
                    )
                else:
                    st.caption("Its messages are made when it goes (at once or the digest).")
