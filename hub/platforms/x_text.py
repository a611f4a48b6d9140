"""How long a post is as X counts it (twitter-text configuration v3).

X does not count characters: it weighs them. After NFC normalisation each code point in a few
ranges (Latin, Bengali, Devanagari and other scripts up to U+10FF, and some punctuation) weighs
1, every other code point weighs 2 (CJK, most symbols), every emoji sequence weighs 2 however
many code points it is made of, and every URL weighs 23 (X shortens it to a t.co link). A post
may weigh at most 280.

The URL and emoji detection here approximate twitter-text's large generated regular
expressions; they err on the side of counting a little too much rather than too little, so a
post that passes here is not refused by X for its length.
"""

from __future__ import annotations

import re
import unicodedata

MAX_WEIGHTED_LENGTH = 280
URL_WEIGHT = 23
EMOJI_WEIGHT = 2
DEFAULT_WEIGHT = 2

# twitter-text config v3: (first, last) code point ranges that weigh 1.
_LIGHT_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x10FF),
    (0x2000, 0x200D),
    (0x2010, 0x201F),
    (0x2032, 0x2037),
)

# Top-level domains common in the city's posts and its citizens' texts; a bare domain with one
# of these (e.g. "kmcgov.in") is linkified by X and so weighs 23 like any other URL.
_BARE_DOMAIN_TLDS = (
    "com|org|net|in|gov|edu|int|io|co|info|biz|me|app|dev|ly|tv|uk|us|ai|news|online|site"
)
_URL_PATTERN = re.compile(
    r"(?:https?://[^\s<>\"]+)"
    r"|(?:(?<![\w@./-])(?:www\.)?(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+"
    rf"(?:{_BARE_DOMAIN_TLDS})\b(?:/[^\s<>\"]*)?)",
    re.IGNORECASE,
)
# A URL does not end with the punctuation that closes the sentence around it.
_URL_TRAILING_PUNCTUATION = ".,:;!?)]}'\""

_EMOJI_BASE = (
    "[\U0001f000-\U0001faff"  # pictographs, emoticons, transport, supplemental symbols
    "\u2600-\u27bf"  # miscellaneous symbols and dingbats
    "\u2300-\u23ff"  # technical (watch, hourglass, ...)
    "\u2b00-\u2bff"  # arrows and stars
    "\u2190-\u21ff"  # arrows
    "\u25aa-\u25fe"  # geometric shapes used as emoji
    "\u2934\u2935\u3030\u303d\u3297\u3299\u203c\u2049\u2122\u2139]"
)
_EMOJI_MODIFIERS = "(?:[\ufe0e\ufe0f]|[\U0001f3fb-\U0001f3ff]|\u20e3)*"
_EMOJI_TAGS = "(?:[\U000e0020-\U000e007f]+)?"  # subdivision flags (England, Scotland, Wales)
_EMOJI_ELEMENT = f"{_EMOJI_BASE}{_EMOJI_MODIFIERS}{_EMOJI_TAGS}"
_EMOJI_PATTERN = re.compile(
    "|".join(
        (
            "[\U0001f1e6-\U0001f1ff]{2}",  # a flag: two regional indicators
            "[0-9#*]\ufe0f?\u20e3",  # keycaps
            "[\u00a9\u00ae]\ufe0f",  # (c) and (r) only when asked to be emoji
            f"{_EMOJI_ELEMENT}(?:\u200d{_EMOJI_ELEMENT})*",  # ZWJ sequences and single emoji
        )
    )
)


def _code_point_weight(character: str) -> int:
    code_point = ord(character)
    for first, last in _LIGHT_RANGES:
        if first <= code_point <= last:
            return 1
    return DEFAULT_WEIGHT


def _url_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _URL_PATTERN.finditer(text):
        start, end = match.span()
        while end > start and text[end - 1] in _URL_TRAILING_PUNCTUATION:
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


def weighted_length(text: str) -> int:
    """The length of `text` as X counts it (at most 280 allowed), after NFC normalisation."""
    normalised = unicodedata.normalize("NFC", text)
    total = 0
    position = 0
    for url_start, url_end in _url_spans(normalised):
        total += _weigh_without_urls(normalised[position:url_start])
        total += URL_WEIGHT
        position = url_end
    total += _weigh_without_urls(normalised[position:])
    return total


def _weigh_without_urls(text: str) -> int:
    total = 0
    position = 0
    for match in _EMOJI_PATTERN.finditer(text):
        total += sum(_code_point_weight(c) for c in text[position : match.start()])
        total += EMOJI_WEIGHT
        position = match.end()
    total += sum(_code_point_weight(c) for c in text[position:])
    return total


def fits_on_x(text: str) -> bool:
    """Whether X accepts `text` as a post by its length."""
    return weighted_length(text) <= MAX_WEIGHTED_LENGTH


__all__ = ["MAX_WEIGHTED_LENGTH", "fits_on_x", "weighted_length"]
