"""Forms that keep what a person typed when it is refused, and start empty once it is done.

Streamlit's ``clear_on_submit`` empties a form on every submit, refused or not: an officer whose
number had a typo would have to type the name, the wards and the consent again. A form here
keeps its fields (each has a key) until the hub accepts it: `finish` then reruns, and
`prepare`, called before the form is drawn, puts each field back to its starting value and
says what was done.

The starting values go through Session State, before the widgets exist, because that is
what the browser is told to show: a widget whose state was only deleted keeps, in the
browser, what was typed into it.
"""

from __future__ import annotations

from typing import Any

import streamlit as st


def prepare(form: str, starting_values: dict[str, Any]) -> None:
    """Before the form is drawn: give each field (by key) its starting value the first time,
    and again after `finish`, whose message is then shown once."""
    message = st.session_state.pop(f"{form}_finished", None)
    for key, value in starting_values.items():
        if message or key not in st.session_state:
            st.session_state[key] = value
    if message:
        st.success(message)


def finish(form: str, message: str) -> None:
    """The form was accepted: rerun, and let `prepare` empty it and show ``message``."""
    st.session_state[f"{form}_finished"] = message
    st.rerun()
