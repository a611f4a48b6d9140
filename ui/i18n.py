"""The UI's language: ``_()`` gives a string in the language of the person using the page.

The language is the account's (saved on "My account"), or before login the one chosen on the
login page; hub/i18n.py holds the catalogue and the formats. Write every string a page shows
as ``_("English text")``, with values through ``.format(name=...)`` after the translation
(never an f-string inside ``_()``: the catalogue could not find it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import streamlit as st

from hub import i18n
from hub.i18n import DEFAULT_LANGUAGE, LANGUAGES

_LANGUAGE_KEY = "ui_language"


def current_language() -> str:
    """The language this browser session reads the UI in."""
    language = st.session_state.get(_LANGUAGE_KEY, DEFAULT_LANGUAGE)
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def use_language(language: str) -> None:
    """Show this session's pages in `language` from now on."""
    st.session_state[_LANGUAGE_KEY] = language if language in LANGUAGES else DEFAULT_LANGUAGE


def _(message: str) -> str:
    """`message` in the session's language."""
    return i18n.translate(message, current_language())


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for `count`, in the session's language."""
    return i18n.translations(current_language()).ngettext(singular, plural, count)


def format_local(moment: datetime | None, zone: ZoneInfo, *, with_zone: bool = True) -> str:
    """A stored moment in the display zone, written the session's language's way."""
    return i18n.format_moment(moment, zone, current_language(), with_zone=with_zone)


def format_duration(minutes: float | None, *, short: bool = False) -> str:
    """Minutes as the session's language writes them (``2 h 05 min``; `short`: abbreviated)."""
    return i18n.format_duration(minutes, current_language(), short=short)


def format_time_left(minutes: int | None) -> str:
    """A ticket's clock as the session's language writes it (``overdue 40 d 06 h``)."""
    return i18n.format_time_left(minutes, current_language())


def format_number(value: float | int) -> str:
    """A number as the session's language writes it."""
    return i18n.format_number(value, current_language())


def digits(text: str) -> str:
    """`text` with the session's language's digits (a count or a figure already formatted)."""
    return i18n.digits(text, current_language())


def translator() -> Callable[[str], str]:
    """``_`` bound to the session's language now, for work Streamlit does after the run
    (a download built when it is clicked), where the session's state is out of reach."""
    language = current_language()
    return lambda message: i18n.translate(message, language)


def pgettext(context: str, message: str) -> str:
    """`message` in the session's language, told apart by `context` from the same English
    with another meaning ("Open" the button, not "Open" the count of open tickets)."""
    return i18n.translations(current_language()).pgettext(context, message)
