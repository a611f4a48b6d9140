"""The hub in Bengali: every UI string in the catalogue and translated, and the formats.

`test_every_string_has_a_bengali_translation` is the one the issue asks for: it extracts the
strings from the code with Babel, as `make messages` does, and fails for each one the Bengali
catalogue lacks. `test_pages_show_no_untranslated_literal` finds the strings that never reached
the catalogue: a literal or an f-string handed straight to a Streamlit element.
"""

from __future__ import annotations

import ast
import re
import string
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from hub import i18n
from hub.errors import InvalidInput

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
KOLKATA = ZoneInfo("Asia/Kolkata")

# Streamlit calls whose first argument (or label/body/help/placeholder) people read.
SHOWN = {
    "title", "header", "subheader", "caption", "text", "markdown", "write", "info",
    "warning", "error", "success", "toast", "button", "form_submit_button",
    "download_button", "link_button", "text_input", "text_area", "number_input",
    "selectbox", "multiselect", "radio", "checkbox", "toggle", "date_input", "time_input",
    "file_uploader", "expander", "metric", "popover", "page_link", "slider",
    "segmented_control", "pills", "spinner", "status", "chat_input",
}  # fmt: skip
SHOWN_KEYWORDS = {"label", "body", "help", "placeholder", "caption"}
NOT_STREAMLIT = {"log", "logger", "logging", "re", "os", "json", "path", "parser"}
ICON = re.compile(r":material/[a-z_]+:")


def _messages() -> dict[tuple[str, str | None], tuple[str, int]]:
    found: dict[tuple[str, str | None], tuple[str, int]] = {}
    for folder in ("hub", "ui", "pages"):
        for path, line, message, _comments, context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            text = message[0] if isinstance(message, tuple) else message
            if text:
                found.setdefault((text, context), (f"{folder}/{path}", line))
    return found


@pytest.fixture(scope="module")
def bengali():
    with i18n.catalogue_path("bn").open("rb") as po:
        return read_po(po, locale="bn")


def test_every_string_has_a_bengali_translation(bengali):
    missing = []
    for (text, context), (path, line) in sorted(_messages().items(), key=lambda item: item[1]):
        entry = bengali.get(text, context=context)
        translated = entry is not None and not entry.fuzzy and _translation(entry)
        if not translated:
            missing.append(f"{path}:{line}: {text!r}")
    assert not missing, f"{len(missing)} string(s) with no Bengali translation:\n" + "\n".join(
        missing[:60]
    )


def test_translations_keep_their_placeholders(bengali):
    wrong = []
    for entry in bengali:
        if not entry.id or not _translation(entry):
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strs = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        expected = _placeholders(ids[-1])
        for translated in strs:
            if _placeholders(translated) != expected:
                wrong.append(f"{ids[0]!r} -> {translated!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_pages_show_no_untranslated_literal():
    found = []
    for path in sorted([*ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not _is_shown_call(node):
                continue
            arguments = list(node.args[:1]) + [
                kw.value for kw in node.keywords if kw.arg in SHOWN_KEYWORDS
            ]
            for argument in arguments:
                if _is_english_literal(argument):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, "text shown without _():\n" + "\n".join(found)


def test_no_catalogue_call_hides_inside_an_f_string():
    """Python 3.11 tokenises an f-string as one string: Babel never sees a ``_()`` in it."""
    hidden = []
    for folder in ("hub", "ui", "pages"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.JoinedStr):
                    continue
                for inner in ast.walk(node):
                    if (
                        isinstance(inner, ast.Call)
                        and isinstance(inner.func, ast.Name)
                        and inner.func.id in KEYWORDS
                        and any(isinstance(a, ast.Constant) for a in inner.args)
                    ):
                        hidden.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    assert not hidden, "catalogue calls inside f-strings (never extracted):\n" + "\n".join(hidden)


def _is_shown_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return False
    receiver = node.func.value
    return (
        node.func.attr in SHOWN
        and not (isinstance(receiver, ast.Name) and receiver.id in NOT_STREAMLIT)
        and not isinstance(receiver, ast.Constant)
    )


def _is_english_literal(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _has_words(node.value)
    if isinstance(node, ast.JoinedStr):
        return any(
            isinstance(part, ast.Constant) and _has_words(str(part.value)) for part in node.values
        )
    return False


def _has_words(text: str) -> bool:
    return re.search(r"[A-Za-z]{2,}", ICON.sub("", text)) is not None


def _translation(entry) -> bool:
    strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
    return all(bool(s and s.strip()) for s in strings)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_bengali_dates_use_bengali_digits_and_month_names():
    moment = datetime(2026, 12, 7, 8, 35, tzinfo=UTC)
    assert i18n.format_moment(moment, KOLKATA, "bn") == "৭ ডিসে ২০২৬, ১৪:০৫ IST"
    assert i18n.format_moment(moment, KOLKATA, "en") == "07 Dec 2026, 14:05 IST"
    assert i18n.format_moment(None, KOLKATA, "bn") == "—"


def test_bengali_numbers_group_the_indian_way_in_bengali_digits():
    assert i18n.format_number(1234567, "bn") == "১২,৩৪,৫৬৭"
    assert i18n.format_number(1234567, "en") == "1,234,567"


def test_durations_in_both_languages():
    assert i18n.format_duration(125, "en") == "2 h 05 min"
    assert i18n.format_duration(125, "bn") == "২ ঘণ্টা ০৫ মিনিট"
    assert i18n.format_duration(-(40 * 24 * 60 + 6 * 60), "en") == "-40 d 06 h"
    assert i18n.format_duration(None, "bn") == "—"
    # Short, for a figure in large type (the dashboard's headline card cut the full words off).
    assert i18n.format_duration(558, "bn", short=True) == "৯ ঘ ১৮ মি"
    assert i18n.format_duration(3000, "bn", short=True) == "২ দিন ০২ ঘ"
    assert i18n.format_duration(558, "en", short=True) == "9 h 18 min"


def test_an_unknown_language_translates_nothing():
    assert i18n.translate("Log in", "fr") == "Log in"
    assert i18n.translate("Log in", "bn") != "Log in"


def test_a_person_saves_their_language_and_it_is_audited(hub):
    from hub.demo import SETUP_ACTOR

    water = hub.accounts.actor_for(_user_id(hub, "officer.water"))
    assert water.language == "en"
    changed = hub.accounts.set_own_language(water, "bn")
    assert changed.language == "bn"
    assert hub.accounts.actor_for(water.user_id).language == "bn"
    with pytest.raises(InvalidInput, match="unknown language"):
        hub.accounts.set_own_language(water, "xx")
    page = hub.audit.browse(SETUP_ACTOR, action_filter="set_language")
    assert [(e.actor, e.detail) for e in page.entries] == [("officer.water", "bn")]


def _user_id(hub, username: str) -> int:
    from hub.demo import SETUP_ACTOR

    return next(u.id for u in hub.accounts.list_users(SETUP_ACTOR) if u.username == username)


def test_every_export_header_has_its_bengali():
    from hub import exports

    def bengali(message: str) -> str:
        return i18n.translate(message, "bn")

    untranslated = [
        column
        for name in dir(exports)
        if name.endswith("_COLUMNS")
        for column in getattr(exports, name)
        if exports.translated_heading(column, bengali) == column
    ]
    assert not untranslated, untranslated
    table = exports.Table("Wards", ("Ward", "Resolution median (min)"), [(65, 12.5)])
    shown = exports.translated(table, bengali)
    assert shown.columns == ("ওয়ার্ড", "সমাধানের মধ্যমা (মিনিট)")
    assert shown.rows == table.rows


def test_an_error_listing_problems_is_translated_problem_by_problem():
    from hub.i18n import Joined, Message
    from hub.publishing.updates import submission_refusal

    photos = Joined([Message("photo {position} ({name})", position=2, name="valve.jpg")])
    error = submission_refusal(
        [
            Message("Give the update a title."),
            Message(
                "Describe every photo for people who cannot see it (alt text); missing for"
                " {photos}.",
                photos=photos,
            ),
        ]
    )
    assert str(error) == (
        "Not submitted (the draft is saved); fix this and submit again:\n"
        "- Give the update a title.\n"
        "- Describe every photo for people who cannot see it (alt text); missing for"
        " photo 2 (valve.jpg)."
    )
    shown = error.translated(lambda message: i18n.translate(message, "bn"))
    assert shown.splitlines() == [
        "জমা হয়নি (খসড়া সংরক্ষিত আছে); এগুলি ঠিক করে আবার জমা দিন:",
        "- আপডেটের একটি শিরোনাম দিন।",
        "- যাঁরা দেখতে পান না তাঁদের জন্য প্রতিটি ছবির বর্ণনা দিন (অল্ট টেক্সট); বাকি আছে: ছবি 2 (valve.jpg)।",
    ]


def test_a_stored_sentence_comes_back_and_reads_in_either_language():
    from hub.i18n import Joined, Message, Verbatim, message_from_json, message_to_json

    sentence = Joined(
        [
            Message("ward {ward} from {evidence}", ward=65, evidence="'৬৫ নম্বর ওয়ার্ড'"),
            Message("urgent: {terms}", terms=Joined(["'live wire'", "'আগুন'"])),
            Message("complaint"),
        ],
        "; ",
    )
    stored = message_to_json(sentence)
    back = message_from_json(stored)
    assert str(back) == str(sentence)
    assert str(back) == "ward 65 from '৬৫ নম্বর ওয়ার্ড'; urgent: 'live wire', 'আগুন'; complaint"
    bengali = back.translated(lambda message: i18n.translate(message, "bn"))
    assert bengali == "'৬৫ নম্বর ওয়ার্ড' থেকে ওয়ার্ড 65; জরুরি: 'live wire', 'আগুন'; অভিযোগ"
    # Plain text (a sentence with braces in it too) comes back as itself, in every language,
    # and so do a person's words inside a sentence, even a word the catalogue knows.
    plain = message_from_json(message_to_json("the {odd} text"))
    assert plain.translated(lambda message: i18n.translate(message, "bn")) == "the {odd} text"
    typed = message_from_json(
        message_to_json(Message("urgent: {terms}", terms=Joined([Verbatim("complaint")])))
    )
    assert typed.translated(lambda message: i18n.translate(message, "bn")) == "জরুরি: complaint"


def test_a_translation_that_lost_its_placeholder_shows_the_english():
    error = InvalidInput("no ward {ward}", ward=200)
    assert error.translated(lambda message: "ওয়ার্ড নেই {number}") == "no ward 200"


def test_an_empty_value_stays_empty_not_the_catalogues_header():
    assert i18n.translate("", "bn") == ""
