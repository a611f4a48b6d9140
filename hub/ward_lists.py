"""Wards as people write them: "60-65, 88", "৬৫", "borough 7".

A notice (and a staff member adding a subscriber) names wards as numbers and ranges, in
either script, or a whole borough. Boroughs are the city's own groups of wards (KMC has 16);
the hub ships none, because no published list of which wards make up each KMC borough could
be cited here: the city's IT writes its boroughs into the settings once
(``[boroughs]`` in hub.toml, ``7 = "56-60, 62"``), and `boroughs_from` checks them when the
hub starts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from hub.errors import InvalidInput
from hub.i18n import N_, Message

# Kolkata Municipal Corporation has 144 wards, numbered 1 to 144.
WARD_COUNT = 144
_TO_LATIN_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")
_SPAN = re.compile(r"(\d{1,3})\s*[-–]\s*(\d{1,3})")
_NUMBER = re.compile(r"\d{1,3}")
# "borough 7", "Borough No. 7", "boro 7", "বরো ৭", "বরো নং ৭" (digits already Latin here); the
# word stands alone, so "Boroughs" in a sentence or "borough7" are read as well.
_BOROUGH = re.compile(
    r"(?:^|(?<=[\s,]))(?:boroughs?|boro|বরো)\s*(?:no\.?|নং|নম্বর)?\s*(\d{1,3})?(?=$|[\s,])",
    re.IGNORECASE,
)


def parse_wards(
    text: str, boroughs: Mapping[int, tuple[int, ...]] | None = None
) -> tuple[int, ...]:
    """'60-65, 88' as (60, 61, ..., 65, 88); 'borough 7' as that borough's wards.

    `boroughs` maps a borough's number to its wards (`boroughs_from`). Raises `InvalidInput`
    naming what is wrong: a ward that is not Kolkata's, a borough the city has not set up.
    """
    wards: list[int] = []

    def borough_wards(match: re.Match[str]) -> str:
        wards.extend(_borough(match[1], boroughs or {}))
        return " "

    normal = unicodedata.normalize("NFC", text or "").translate(_TO_LATIN_DIGITS)
    for part in re.split(r"[,\s]+", _BOROUGH.sub(borough_wards, normal)):
        if not part:
            continue
        found = wards_of(part)
        if found is None:
            raise InvalidInput(
                N_("'{part}' is not a ward: write numbers, e.g. 60-65, 88."), part=part[:20]
            )
        wards.extend(found)
    return tuple(sorted(set(wards)))


def wards_of(part: str) -> tuple[int, ...] | None:
    """One ward or range as written with Latin digits ('65', '60-65', '60–65'), or None when
    `part` is neither; raises `InvalidInput` for numbers that are not Kolkata's wards."""
    span = _SPAN.fullmatch(part)
    if span:
        low, high = int(span[1]), int(span[2])
        if not 1 <= low <= high <= WARD_COUNT:
            raise InvalidInput(N_("{part} is not a range of Kolkata's wards (1-144)."), part=part)
        return tuple(range(low, high + 1))
    if _NUMBER.fullmatch(part):
        number = int(part)
        if not 1 <= number <= WARD_COUNT:
            raise InvalidInput(
                N_("There is no ward {number}: Kolkata's wards are 1-144."), number=number
            )
        return (number,)
    return None


def _borough(number: str | None, boroughs: Mapping[int, tuple[int, ...]]) -> tuple[int, ...]:
    if not boroughs:
        raise InvalidInput(
            N_("No boroughs are set up in the hub yet: write the wards, e.g. 60-65, 88.")
        )
    if number is None:
        raise InvalidInput(N_("Write the borough's number after the word, e.g. borough 7."))
    if int(number) not in boroughs:
        raise InvalidInput(
            N_("There is no borough {number}: the boroughs are {boroughs}."),
            number=int(number),
            boroughs=ward_ranges(boroughs),
        )
    return boroughs[int(number)]


def boroughs_from(written: Mapping[int, str]) -> dict[int, tuple[int, ...]]:
    """The settings' boroughs (number: its wards as written) as number: wards.

    Raises `ValueError` listing every problem: a number outside 1-99, wards that do not
    read, a borough without wards, a ward in two boroughs.
    """
    problems: list[str] = []
    boroughs: dict[int, tuple[int, ...]] = {}
    owner: dict[int, int] = {}
    for number, wards_text in sorted(written.items()):
        if not 1 <= number <= 99:
            problems.append(f"borough {number}: a borough's number is 1-99")
            continue
        try:
            wards = parse_wards(wards_text)
        except InvalidInput as exc:
            problems.append(f"borough {number}: {str(exc).rstrip('.')}")
            continue
        if not wards:
            problems.append(f"borough {number}: no wards")
            continue
        for ward in wards:
            if ward in owner:
                problems.append(f"ward {ward} is in borough {owner[ward]} and borough {number}")
            owner.setdefault(ward, number)
        boroughs[number] = wards
    if problems:
        raise ValueError("; ".join(problems))
    return boroughs


def ward_ranges(numbers: Mapping[int, object] | tuple[int, ...] | list[int]) -> str:
    """Numbers as people write them: (60, 61, 62, 88) as '60-62, 88'."""
    parts = []
    ordered = sorted(set(numbers))
    start = previous = None
    for number in [*ordered, None]:
        if number is not None and previous is not None and number == previous + 1:
            previous = number
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = number
    return ", ".join(parts)


def borough_lines(boroughs: Mapping[int, tuple[int, ...]]) -> list[Message]:
    """Each borough and its wards, for the people who write notices."""
    return [
        Message(N_("borough {number}: wards {wards}"), number=number, wards=ward_ranges(wards))
        for number, wards in sorted(boroughs.items())
    ]


__all__ = [
    "WARD_COUNT",
    "borough_lines",
    "boroughs_from",
    "parse_wards",
    "ward_ranges",
    "wards_of",
]
