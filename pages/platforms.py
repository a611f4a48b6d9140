"""Platform accounts (IT, admins): is each account connected, and what can it do."""

import streamlit as st

from hub.errors import HubError
from ui import session
from ui.i18n import _, digits, format_local

actor = session.require_actor()
hub = session.get_hub()
st.title(_("Platform accounts"))
st.caption(
    _(
        "The city's Facebook Page and X account as configured. Checking calls each platform "
        "with the stored credentials; tokens are never shown."
    )
)

if st.button(_("Check now"), type="primary", key="platforms_check") or "platforms_last" not in (
    st.session_state
):
    try:
        st.session_state["platforms_last"] = hub.platforms.check(actor)
    except HubError as exc:
        session.show_error(exc)
        st.stop()

try:
    states = {state.platform: state for state in hub.publisher.account_states()}
    counts = hub.publisher.status_counts(actor)
except HubError as exc:
    session.show_error(exc)
    st.stop()

waiting = {name: counts.get(name, 0) for name in ("unconfirmed", "needs_attention", "missed")}
if any(waiting.values()):
    st.warning(
        _(
            "Posts needing a look: {unconfirmed} unconfirmed (being reconciled), "
            "{attention} need attention, {missed} missed. See the Calendar."
        ).format(
            unconfirmed=digits(str(waiting["unconfirmed"])),
            attention=digits(str(waiting["needs_attention"])),
            missed=digits(str(waiting["missed"])),
        )
    )

for result in st.session_state["platforms_last"]:
    where = _("sandbox (no real account)") if result.uses_sandbox else result.endpoint
    with st.container(border=True):
        st.subheader(result.platform.value.capitalize())
        st.caption(_("Endpoint: {endpoint}").format(endpoint=where))
        state = states.get(result.platform)
        if state is not None and state.needs_reconnect:
            st.error(
                _(
                    "Publishing is on hold: the token stopped working. Renew it (for the real "
                    "platform: a new token in the settings), then resume. Held posts are kept."
                ),
                icon=":material/pause_circle:",
            )
            st.text(state.reason or "")
            if st.button(_("Resume publishing"), key=f"platforms_resume_{result.platform.value}"):
                try:
                    hub.publisher.resume_account(actor, result.platform)
                except HubError as exc:
                    session.show_error(exc)
                else:
                    st.success(_("Publishing resumed; held posts go out in the next cycle."))
                    st.rerun()
        if not result.ok or result.capabilities is None:
            st.error(result.problem or _("not working"), icon=":material/link_off:")
            continue
        caps = result.capabilities
        st.success(
            _("Connected as {name} (id {id})").format(name=caps.account_name, id=caps.account_id)
        )
        columns = st.columns(5)
        for column, (label, flag) in zip(
            columns,
            (
                (_("Publish"), caps.can_publish),
                (_("Read comments"), caps.can_read_comments),
                (_("Read mentions"), caps.can_read_mentions),
                (_("Reply"), caps.can_reply),
                (_("Hide"), caps.can_hide),
            ),
            strict=True,
        ):
            column.metric(label, _("yes") if flag else _("no"))
        for note in caps.notes:
            st.info(note)

st.subheader(_("Backups"))
last = hub.backups.last()
nightly = hub.heartbeats.last_runs().get("nightly_backup")
if last.made_at is not None:
    st.text(
        _("Last backup: {name}, {when} — in {folder}").format(
            name=last.name,
            when=format_local(last.made_at, hub.settings.display_zone),
            folder=hub.backups.folder,
        )
    )
elif last.name is not None:
    name = session.as_literal_markdown(last.name)
    st.warning(_("The newest backup ({name}) is incomplete: make a new one.").format(name=name))
else:
    st.warning(_("No backup yet: run `hub backup`, or wait for tonight's."))
if nightly is not None:
    at, outcome, _runs = nightly
    line = _("Nightly backup, {when}: {outcome}").format(
        when=format_local(at, hub.settings.display_zone), outcome=outcome
    )
    if outcome.startswith("failed"):
        st.error(line)
    else:
        st.text(line)
st.caption(
    _(
        "Every night at {time} IST; the newest {keep} are kept. `hub backup` makes one now, "
        "also while the hub serves."
    ).format(
        time=digits(f"{hub.settings.backup_hour:02d}:00"),
        keep=digits(str(hub.settings.backup_keep)),
    )
)

st.subheader(_("X: what the city pays for"))
spend = hub.x_usage.spend()
if spend.ahead_of_budget:
    st.warning(
        _(
            "{summary}. The mentions poll is slowed to stay inside the budget: mentions"
            " arrive later, none is lost."
        ).format(summary=spend.summary),
        icon=":material/savings:",
    )
else:
    st.text(spend.summary)
st.caption(
    _(
        "X charges each mention read (once a day per post) and each post created, from prepaid"
        " credits; prices and the monthly budget are settings (HUB_X__PRICE_*,"
        " HUB_X__MONTHLY_BUDGET)."
    )
)
