"""Platform accounts (IT, admins): is each account connected, and what can it do."""

import streamlit as st

from hub.clock import format_local
from hub.errors import HubError
from ui import session

actor = session.require_actor()
hub = session.get_hub()
st.title("Platform accounts")
st.caption(
    "The city's Facebook Page and X account as configured. Checking calls each platform "
    "with the stored credentials; tokens are never shown."
)

if st.button("Check now", type="primary", key="platforms_check") or "platforms_last" not in (
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
        f"Posts needing a look: {waiting['unconfirmed']} unconfirmed (being reconciled), "
        f"{waiting['needs_attention']} need attention, {waiting['missed']} missed. "
        "See the Calendar."
    )

for result in st.session_state["platforms_last"]:
    where = "sandbox (no real account)" if result.uses_sandbox else result.endpoint
    with st.container(border=True):
        st.subheader(result.platform.value.capitalize())
        st.caption(f"Endpoint: {where}")
        state = states.get(result.platform)
        if state is not None and state.needs_reconnect:
            st.error(
                "Publishing is on hold: the token stopped working. Renew it (for the real "
                "platform: a new token in the settings), then resume. Held posts are kept.",
                icon=":material/pause_circle:",
            )
            st.text(state.reason or "")
            if st.button("Resume publishing", key=f"platforms_resume_{result.platform.value}"):
                try:
                    hub.publisher.resume_account(actor, result.platform)
                except HubError as exc:
                    session.show_error(exc)
                else:
                    st.success("Publishing resumed; held posts go out in the next cycle.")
                    st.rerun()
        if not result.ok or result.capabilities is None:
            st.error(result.problem or "not working", icon=":material/link_off:")
            continue
        caps = result.capabilities
        st.success(f"Connected as {caps.account_name} (id {caps.account_id})")
        columns = st.columns(5)
        for column, (label, flag) in zip(
            columns,
            (
                ("Publish", caps.can_publish),
                ("Read comments", caps.can_read_comments),
                ("Read mentions", caps.can_read_mentions),
                ("Reply", caps.can_reply),
                ("Hide", caps.can_hide),
            ),
            strict=True,
        ):
            column.metric(label, "yes" if flag else "no")
        for note in caps.notes:
            st.info(note)

st.subheader("Backups")
last = hub.backups.last()
nightly = hub.heartbeats.last_runs().get("nightly_backup")
if last.made_at is not None:
    st.text(
        f"Last backup: {last.name}, {format_local(last.made_at, hub.settings.display_zone)}"
        f" — in {hub.backups.folder}"
    )
elif last.name is not None:
    name = session.as_literal_markdown(last.name)
    st.warning(f"The newest backup ({name}) is incomplete: make a new one.")
else:
    st.warning("No backup yet: run `hub backup`, or wait for tonight's.")
if nightly is not None:
    at, outcome, _runs = nightly
    line = f"Nightly backup, {format_local(at, hub.settings.display_zone)}: {outcome}"
    if outcome.startswith("failed"):
        st.error(line)
    else:
        st.text(line)
st.caption(
    f"Every night at {hub.settings.backup_hour:02d}:00 IST; the newest "
    f"{hub.settings.backup_keep} are kept. `hub backup` makes one now, also while the hub serves."
)

st.subheader("X: what the city pays for")
spend = hub.x_usage.spend()
if spend.ahead_of_budget:
    st.warning(
        f"{spend.summary}. The mentions poll is slowed to stay inside the budget: mentions"
        " arrive later, none is lost.",
        icon=":material/savings:",
    )
else:
    st.text(spend.summary)
st.caption(
    "X charges each mention read (once a day per post) and each post created, from prepaid"
    " credits; prices and the monthly budget are settings (HUB_X__PRICE_*, HUB_X__MONTHLY_BUDGET)."
)
