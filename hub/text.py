"""Text as the hub keeps and shows it: citizens' words made safe to display.

Bidirectional control characters (embeddings, overrides, isolates) change the order in which
the characters around them are drawn: ``photo\u202egnp.exe`` is drawn as ``photoexe.png``. A
citizen's text or name could use them to make a message look like something it is not, so the
hub stores each one as a visible tag (``photo[RLO]gnp.exe``); the platform's own payload, kept
as evidence, keeps the original.

The marks Bengali, English and mixed text use in earnest (ZWJ, ZWNJ, the left-to-right and
right-to-left marks) reorder nothing around them and are kept.
"""

from __future__ import annotations

import re
import unicodedata


def nfc(text: str) -> str:
    """`text` in Unicode NFC, the one form the hub stores and compares text in."""
    # ASCII is NFC already, and asking str is far cheaper than asking unicodedata: most
    # English text and most names are ASCII.
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def nfc_trimmed(text: str | None) -> str:
    """What a person typed, as stored: NFC, without surrounding whitespace (None: "")."""
    return nfc(text or "").strip()


_TO_BENGALI_DIGITS = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")


def bengali_digits(text: str) -> str:
    """`text` with its Latin digits written as Bengali ones (৬৫ for 65)."""
    return text.translate(_TO_BENGALI_DIGITS)


# Each control character, and the tag shown in its place (its name in the Unicode standard).
BIDI_CONTROLS: dict[str, str] = {
    "\u202a": "[LRE]",
    "\u202b": "[RLE]",
    "\u202c": "[PDF]",
    "\u202d": "[LRO]",
    "\u202e": "[RLO]",
    "\u2066": "[LRI]",
    "\u2067": "[RLI]",
    "\u2068": "[FSI]",
    "\u2069": "[PDI]",
    "\u061c": "[ALM]",
}
_BIDI_PATTERN = re.compile("[" + "".join(BIDI_CONTROLS) + "]")


def visible_bidi_controls(text: str) -> str:
    """`text` with every bidirectional control character replaced by its visible tag."""
    if text.isascii():
        return text
    return _BIDI_PATTERN.sub(lambda match: BIDI_CONTROLS[match.group()], text)


def visible_bidi_controls_sql(expression: str) -> str:
    """A DuckDB expression doing what `visible_bidi_controls` does to `expression`.

    The character class is tested first, so text without such characters (nearly all of it)
    costs one scan and no replacements.
    """
    replaced = expression
    for character, tag in BIDI_CONTROLS.items():
        replaced = f"replace({replaced}, chr({ord(character)}), '{tag}')"
    characters = "".join(f"\\x{{{ord(c):04x}}}" for c in BIDI_CONTROLS)
    return (
        f"CASE WHEN regexp_matches({expression}, '[{characters}]')"
        f" THEN {replaced} ELSE {expression} END"
    )


__all__ = ["BIDI_CONTROLS", "bengali_digits", "visible_bidi_controls", "visible_bidi_controls_sql"]
