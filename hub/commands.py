"""What a citizen's WhatsApp message asks the hub to do by itself: follow wards or a
department for notices, list what they follow, stop, or change the language of notices.

A command is a whole short message in one of its forms, in English, Bengali or Banglish:

    SUBSCRIBE 65            যোগ ৬৫            jog 65          several: "SUBSCRIBE 60-62 88"
    SUBSCRIBE WATER         যোগ জল সরবরাহ      jog water       a department, by code or name
    SUBSCRIBE BOROUGH 7     যোগ বরো ৭          jog boro 7      a borough's wards (the city's own)
    LIST                    তালিকা             talika
    STOP                    বন্ধ               bondho          everything, at once
    STOP 65                 বন্ধ ৬৫            bondho 65       one ward (or several)
    ENGLISH / LANGUAGE EN   বাংলা               bangla          the language of notices

Anything else is not a command and goes to triage as a message ("Stop the water leak in ward
65" is a complaint, not STOP). A message that starts with a command word and then says
something the hub cannot read ("SUBSCRIBE 999") is a command the hub did not understand: it is
answered with the forms it does read, and nothing changes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from hub.errors import InvalidInput
from hub.i18n import N_, Message
from hub.ward_lists import wards_of

# The most wards one message may add or stop (a range like 1-144 is refused: too broad).
MAX_WARDS_PER_COMMAND = 20

_SUBSCRIBE = {"subscribe", "sub", "join", "start", "jog", "jog dao", "jog koro", "যোগ", "যোগ দিন"}
_LIST = {"list", "talika", "তালিকা", "amar talika"}
_STOP = {"stop", "unsubscribe", "bondho", "bondo", "bandh", "bando", "বন্ধ", "বন্ধ করুন"}
_LANGUAGE = {
    "english": "en",
    "language en": "en",
    "lang en": "en",
    "ইংরেজি": "en",
    "bangla": "bn",
    "bengali": "bn",
    "language bn": "bn",
    "lang bn": "bn",
    "বাংলা": "bn",
}
# Words that may stand between the command and its wards ("subscribe ward no 65").
_FILLER = {
    "ward",
    "wards",
    "wd",
    "no",
    "no.",
    "number",
    "ওয়ার্ড",
    "নং",
    "নম্বর",
    "to",
    "and",
    "ও",
    "&",
}
# "SUBSCRIBE BOROUGH 7", "যোগ বরো ৭": every ward of a borough the city has set up.
_BOROUGH_WORDS = {"borough", "boroughs", "boro", "বরো"}
_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")
_NUMBER = re.compile(r"^\d{1,3}$")


@dataclass(frozen=True)
class SubscriptionCommand:
    """A command read from a message.

    `action` is ``subscribe``, ``list``, ``stop``, ``language`` or ``help`` (a command word
    with something the hub cannot read after it: `problem` says what).
    """

    action: str
    wards: tuple[int, ...] = ()
    department_code: str | None = None
    language: str | None = None
    problem: Message | None = None

    @property
    def summary(self) -> str:
        """A short form for the triage row and the audit log: ``subscribe:65,66``."""
        parts = [self.action]
        if self.wards:
            parts.append(",".join(map(str, self.wards)))
        if self.department_code:
            parts.append(self.department_code)
        if self.language:
            parts.append(self.language)
        return ":".join(parts)


def read_command(
    text: str,
    department_aliases: Mapping[str, str] | None = None,
    boroughs: Mapping[int, tuple[int, ...]] | None = None,
) -> SubscriptionCommand | None:
    """The command `text` is, or None when it is not one (then it is a message for triage).

    `department_aliases` maps lower-case names and codes ("water", "জল সরবরাহ") to codes;
    `boroughs` each borough's number to its wards ("SUBSCRIBE BOROUGH 7" follows them all).
    """
    words = _normal(text)
    if not words or len(words) > 60:
        return None
    if words in _LIST:
        return SubscriptionCommand("list")
    if words in _LANGUAGE:
        return SubscriptionCommand("language", language=_LANGUAGE[words])
    for verbs, action in ((_SUBSCRIBE, "subscribe"), (_STOP, "stop")):
        rest = _after_verb(words, verbs)
        if rest is None:
            continue
        if not rest:
            if action == "stop":
                return SubscriptionCommand("stop")
            return _help(N_("name the ward(s) or the department to follow"))
        return _with_arguments(action, rest, department_aliases or {}, boroughs or {})
    return None


def _normal(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "").translate(_DIGITS).lower()
    text = re.sub(r"[,;।!?.]+", " ", text)
    return " ".join(text.split())


def _after_verb(words: str, verbs: set[str]) -> str | None:
    """What follows the longest command word that starts `words`, or None."""
    for verb in sorted(verbs, key=len, reverse=True):
        if words == verb:
            return ""
        if words.startswith(verb + " "):
            return words[len(verb) + 1 :]
    return None


def _with_arguments(
    action: str,
    rest: str,
    department_aliases: Mapping[str, str],
    boroughs: Mapping[int, tuple[int, ...]],
) -> SubscriptionCommand | None:
    department = department_aliases.get(rest)
    if department is not None:
        return SubscriptionCommand(action, department_code=department)
    tokens = [
        t for t in re.split(r"\s+|(?<=\d),(?=\d)|(?<=[a-zো])(?=\d)", rest.replace(" - ", "-")) if t
    ]
    wards: list[int] = []
    looked_like_wards = False
    borough_named = False
    for token in tokens:
        if token in _FILLER:
            continue
        if token in _BOROUGH_WORDS:
            borough_named = looked_like_wards = True
            continue
        if borough_named:
            borough_named = False
            if not _NUMBER.match(token):
                # "stop borough office harassment" is a complaint, not a command.
                if action == "stop":
                    return None
                return _help(N_("write the borough's number, e.g. BOROUGH 7"))
            if not boroughs:
                return _help(N_("boroughs are not set up here: name the ward(s)"))
            if int(token) not in boroughs:
                return _help(N_("there is no borough {number}"), number=int(token))
            wards.extend(boroughs[int(token)])
            continue
        try:
            found = wards_of(token)
        except InvalidInput as exc:
            return SubscriptionCommand("help", problem=exc.as_message())
        if found is not None:
            looked_like_wards = True
            wards.extend(found)
        else:
            # Words that are neither wards nor a department: a sentence that starts with a
            # command word ("stop the leak in ward 65") is a message, not a command.
            if looked_like_wards or action == "stop":
                return None
            return _help(N_("'{words}' is neither a ward nor a department"), words=rest[:40])
    if borough_named:
        if action == "stop":
            return None
        return _help(N_("write the borough's number, e.g. BOROUGH 7"))
    unique = tuple(dict.fromkeys(wards))
    if not unique:
        return _help(N_("name the ward(s) or the department to follow"))
    if len(unique) > MAX_WARDS_PER_COMMAND:
        return _help(N_("at most {count} wards in one message"), count=MAX_WARDS_PER_COMMAND)
    return SubscriptionCommand(action, wards=unique)


def _help(problem: str, **values: object) -> SubscriptionCommand:
    """A command word with something after it the hub cannot read: `problem` (a catalogue
    sentence) says what, in the citizen's language when they are answered."""
    return SubscriptionCommand("help", problem=Message(problem, **values))


def department_aliases(departments: list[tuple[str, str, str]]) -> dict[str, str]:
    """Lower-case code, English and Bengali name of each (code, name_en, name_bn), to its code,
    with the English name's first word too ("water" for Water Supply) when it is unique."""
    aliases: dict[str, str] = {}
    first_words: dict[str, set[str]] = {}
    for code, name_en, name_bn in departments:
        for name in (code, name_en, name_bn):
            aliases[_normal(name)] = code
        first = _normal(name_en).split(" ")[0]
        first_words.setdefault(first, set()).add(code)
        first_bn = _normal(name_bn).split(" ")[0]
        first_words.setdefault(first_bn, set()).add(code)
    for word, codes in first_words.items():
        if len(codes) == 1 and word not in aliases and len(word) > 2:
            aliases[word] = next(iter(codes))
    return aliases


__all__ = ["MAX_WARDS_PER_COMMAND", "SubscriptionCommand", "department_aliases", "read_command"]
