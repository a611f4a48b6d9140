"""The hub's languages: English (the source) and Bengali, through one gettext catalogue.

Every string the UI shows is written in English inside ``_()`` (pages and ui/) or ``N_()``
(names defined in hub/, translated where they are shown). ``make messages`` extracts them with
Babel into ``hub/locale/hub.pot`` and merges them into ``hub/locale/bn/LC_MESSAGES/hub.po``,
which translators edit; the hub reads the ``.po`` with Babel when it starts (no compiled
``.mo`` to forget). A test fails when a string has no Bengali translation.

Dates, times and numbers follow the language too: Babel's CLDR data gives Bengali month
names and the Indian grouping of digits (12,34,567), and Bengali digits replace Latin ones.
Citizens' text and department names are never translated.
"""

from __future__ import annotations

import gettext
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from hub.clock import as_utc

LANGUAGES = {"en": "English", "bn": "বাংলা"}
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "hub"
_BENGALI_DIGITS = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")


def N_(message: str) -> str:
    """Mark a string for the catalogue where it is defined; it is translated where shown."""
    return message


def catalogue_path(language: str) -> Path:
    """The translators' ``.po`` file of a language."""
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The gettext translations of a language (English, the source, translates nothing).

    Fuzzy entries are left out, as msgfmt does: a guess a translator has not confirmed shows
    the English instead.
    """
    if language not in LANGUAGES or language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    with catalogue_path(language).open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def translate(message: str, language: str) -> str:
    """`message` in `language` (the English when it has no translation).

    The empty string stays empty: gettext would answer it with the catalogue's header.
    """
    if not message:
        return message
    return translations(language).gettext(message)


def digits(text: str, language: str) -> str:
    """`text` with the language's digits (Bengali ০-৯ for ``bn``)."""
    return text.translate(_BENGALI_DIGITS) if language == "bn" else text


def format_number(value: float | int, language: str) -> str:
    """A number as the language writes it: ``১২,৩৪,৫৬৭`` for ``bn``, ``1,234,567`` for ``en``."""
    return digits(format_decimal(value, locale=_babel_locale(language)), language)


def format_moment(
    moment: datetime | None, zone: ZoneInfo, language: str, *, with_zone: bool = True
) -> str:
    """A stored moment as people read it: ``22 Nov 2026, 21:15 IST`` or ``২২ নভে ২০২৬, ২১:১৫``."""
    if moment is None:
        return "—"
    local = as_utc(moment).astimezone(zone)
    if language == "bn":
        text = digits(format_datetime(local, "d MMM y, HH:mm", locale="bn"), language)
    else:
        text = local.strftime("%d %b %Y, %H:%M")
    return f"{text} {local.tzname()}" if with_zone else text


def _babel_locale(language: str) -> str:
    return "bn" if language == "bn" else "en"


def pgettext(context: str, message: str, language: str) -> str:
    """`message` in `language` as meant in `context` (a short form, a button's word)."""
    return translations(language).pgettext(context, message)


def format_duration(minutes: float | None, language: str, *, short: bool = False) -> str:
    """Minutes as people read them: ``2 h 05 min`` or ``২ ঘণ্টা ০৫ মিনিট``; None → ``—``.

    ``short`` abbreviates the words where the language's are long (``৯ ঘ ১৮ মি``), for a
    figure in large type: the dashboard's headline card cut the full Bengali off."""
    if minutes is None:
        return "—"
    total = round(minutes)
    sign = "-" if total < 0 else ""
    days, rest = divmod(abs(total), 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        template = (
            pgettext("short", "{days} d {hours} h", language)
            if short
            else translate(N_("{days} d {hours} h"), language)
        )
        text = template.format(days=days, hours=f"{hours:02d}")
    elif hours:
        template = (
            pgettext("short", "{hours} h {minutes} min", language)
            if short
            else translate(N_("{hours} h {minutes} min"), language)
        )
        text = template.format(hours=hours, minutes=f"{mins:02d}")
    else:
        template = (
            pgettext("short", "{minutes} min", language)
            if short
            else translate(N_("{minutes} min"), language)
        )
        text = template.format(minutes=mins)
    return digits(sign + text, language)


def format_time_left(minutes: int | None, language: str) -> str:
    """A ticket's clock as people read it: ``3 h 05 min left``, ``overdue 40 d 06 h``, ``—``
    (never a negative number of minutes)."""
    if minutes is None:
        return "—"
    if minutes < 0:
        return translate(N_("overdue {duration}"), language).format(
            duration=format_duration(-minutes, language)
        )
    return translate(N_("{duration} left"), language).format(
        duration=format_duration(minutes, language)
    )


class Message(str):
    """A sentence for people that is also its English: a catalogue template and its values.

    It is a ``str`` (the English), so it goes into logs, joins and comparisons as before;
    ``translated`` gives it in a reader's language. A value that is itself a `Message` is
    translated with it.
    """

    template: str
    values: dict[str, object]

    def __new__(cls, template: str, /, **values: object) -> Message:
        english = template.format(**values) if values else template
        made = super().__new__(cls, english)
        made.template = template
        made.values = values
        return made

    def translated(self, translate: Callable[[str], str]) -> str:
        """The sentence in the language of `translate` (its English where it has none)."""
        return translated_template(self.template, self.values, translate, str(self))


class Joined(Message):
    """Several sentences or names joined (``a, b``), each translated on its own (and the
    separator too, when it is a `Message`: " or ")."""

    items: tuple[str, ...]
    separator: str
    prefix: str

    def __new__(cls, items: Iterable[str], separator: str = ", ", prefix: str = "") -> Joined:
        listed = tuple(items)
        made = super().__new__(cls, separator.join(f"{prefix}{item}" for item in listed))
        made.items, made.separator, made.prefix = listed, separator, prefix
        return made

    def translated(self, translate: Callable[[str], str]) -> str:
        separator = str(_translated(self.separator, translate))
        return separator.join(f"{self.prefix}{_translated(item, translate)}" for item in self.items)


class Verbatim(Message):
    """Text shown as it was written in every language: a person's own words, or English
    stored before its sentence was kept. Never looked up in the catalogue."""

    def __new__(cls, text: str) -> Verbatim:
        made = str.__new__(cls, text)
        made.template, made.values = text, {}
        return made

    def translated(self, translate: Callable[[str], str]) -> str:
        return str(self)


# The catalogue tells a sentence which language it is read in (a moment inside it is written
# that language's way): translators write their language's code here, as GNU projects mark a
# language's direction with a msgid of its own.
LANGUAGE_OF_CATALOGUE = N_("language code of this translation: en")


def language_of(translate: Callable[[str], str]) -> str:
    """The language `translate` translates into (``en`` when it leaves things as they are)."""
    code = translate(LANGUAGE_OF_CATALOGUE)
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


class Moment(Message):
    """A moment inside a sentence, written the reader's way when shown (``07 Dec 2026, 10:00
    IST`` or ``৭ ডিসে, ২০২৬ ১০:০০ IST``); its English is how the log and the CLI read it."""

    at: datetime
    zone: ZoneInfo

    def __new__(cls, at: datetime, zone: ZoneInfo) -> Moment:
        made = str.__new__(cls, format_moment(at, zone, DEFAULT_LANGUAGE))
        made.template, made.values = str(made), {}
        made.at, made.zone = as_utc(at), zone
        return made

    def translated(self, translate: Callable[[str], str]) -> str:
        return format_moment(self.at, self.zone, language_of(translate))


def stored_sentence(text: str | None) -> str | None:
    """What to keep beside a stored English text so it can be shown in any language later:
    the sentence's JSON when `text` is a `Message`, None for plain text (a person's own)."""
    return message_to_json(text) if isinstance(text, Message) else None


def shown_sentence(text: str, stored: str | None) -> Message:
    """A stored text to show: its sentence where one was kept (`stored_sentence`), else the
    text as written."""
    return Verbatim(text) if stored is None else message_from_json(stored)


def message_to_json(sentence: str) -> str:
    """A sentence (a `Message`, a `Joined`, or plain text) as JSON, to be stored and shown
    later in whichever language its reader has (`message_from_json`)."""
    return json.dumps(_encoded(sentence), ensure_ascii=False, separators=(",", ":"))


def message_from_json(stored: str) -> Message:
    """A sentence stored by `message_to_json`, a `Message` again (plain text comes back as
    `Verbatim`, which reads the same in every language)."""
    sentence = _decoded(json.loads(stored))
    return sentence if isinstance(sentence, Message) else Verbatim(str(sentence))


def _encoded(value: object) -> object:
    # Short keys, and defaults left out: a ticket keeps one of these for as long as it lives.
    # Verbatim text is kept as plain text, which is never looked up when it is read back.
    if isinstance(value, Verbatim):
        return str(value)
    if isinstance(value, Moment):
        return {"m": value.at.isoformat(), "z": value.zone.key}
    if isinstance(value, Joined):
        joined: dict[str, object] = {"j": [_encoded(item) for item in value.items]}
        if value.separator != ", ":
            joined["s"] = _encoded(value.separator)
        if value.prefix:
            joined["p"] = value.prefix
        return joined
    if isinstance(value, Message):
        sentence: dict[str, object] = {"t": value.template}
        if value.values:
            sentence["v"] = {name: _encoded(item) for name, item in value.values.items()}
        return sentence
    if value is None or isinstance(value, int | float):
        return value
    return str(value)


def _decoded(value: object) -> object:
    if isinstance(value, dict) and "m" in value:
        return Moment(datetime.fromisoformat(value["m"]), ZoneInfo(value["z"]))
    if isinstance(value, dict) and "j" in value:
        return Joined(
            [_decoded(item) for item in value["j"]],
            _decoded(value.get("s", ", ")),
            value.get("p", ""),
        )
    if isinstance(value, dict):
        values = {name: _decoded(item) for name, item in value.get("v", {}).items()}
        return Message(value["t"], **values)
    return value


def bullets(items: Iterable[str]) -> Joined:
    """Sentences as a list of lines (``- ...``), each translated on its own."""
    return Joined(items, "\n", "- ")


def translated_template(
    template: str, values: Mapping[str, object], translate: Callable[[str], str], english: str
) -> str:
    """`template` in the language of `translate`, with its values (Messages translated too).

    A translation that lost a placeholder falls back to the English rather than fail.
    """
    text = translate(template)
    if not values:
        return text
    shown = {name: _translated(value, translate) for name, value in values.items()}
    try:
        return text.format(**shown)
    except (KeyError, IndexError, ValueError):
        return english


def _translated(value: object, translate: Callable[[str], str]) -> object:
    return value.translated(translate) if isinstance(value, Message) else value
