"""Forms that keep what a person typed when it is refused, and start empty once it is done.

Streamlit's ``clear_on_submit`` empties a form on every submit, refused or not: an officer whose
number had a typo would have to type the name, the wards and the consent again. A form here
keeps its fields (each has a key) until the hub accepts it; `finish` then empties them and
shows what was done after the rerun, with `show_finished` at the top of the page.
"""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st


def finish(form: str, field_keys: Iterable[str], message: str) -> None:
    """The form was accepted: empty its fields, keep ``message`` for `show_finished`, rerun."""
    for key in field_keys:
        st.session_state.pop(key, None)
    st.session_state[f"{form}_finished"] = message
    st.rerun()


def show_finished(form: str) -> None:
    """Say what the form last did, once (after `finish`'s rerun)."""
    message = st.session_state.pop(f"{form}_finished", None)
    if message:
        st.success(message)
