"""Routing a citizen's message: language, ward, department, category and urgency, with reasons.

`Router.route(text)` is a pure function of the text: rules and word lists only, compiled once
when the router is built, so it can run over a million interactions in a benchmark. Every
decision carries the evidence it was made on, and `RoutingDecision.explanation` says it in
one English sentence for the triage board.

How the rules work, and why:

- Text is compared in one normalised form: NFC, case-folded, zero-width joiners removed,
  hyphens and runs of white space turned into one space ("water-logging" is "water logging").
- Keywords come from departments.csv (both languages) plus a small built-in list of Banglish
  (Bengali in Latin letters) and colloquial phrases the file does not carry. A keyword
  matches only as a whole word: the characters around it must not be an ASCII letter or a
  Bengali letter or sign (Python's ``\\b`` is not used: it treats Bengali vowel signs as
  non-word characters). Bengali inflections may follow a keyword ("বাজারে", "রাস্তায়",
  "বস্তিতে", "পার্কের", "মেয়রকে"), and so may an English plural ("drains").
- All keywords are compiled into one prefix-tree regular expression that finds the longest
  keyword starting at each position; a match lying inside a longer one is dropped, so "park"
  in "parking", পার্ক in পার্কিং and "park" in "Park Circus" (a known place) never count.
- Departments are scored by their distinct keywords: longer keywords weigh more, generic
  words that also appear in addresses ("road", "market") less, and the department named
  first gets a small bonus because citizens name the problem before the landmarks. No
  keyword, spam, "other" or praise without a topic: no department, the IT team's queue.
- Places with their own municipality (Salt Lake, Howrah, New Town, ...) make a message
  "other", without department or ward: KMC cannot act on it, and their "ward 18" is not ours.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hub.i18n import N_, Joined, Message
from hub.text import nfc
from hub.ward_lists import WARD_COUNT

if TYPE_CHECKING:  # annotations only: routing needs no database code at run time
    from hub.departments import Department

LANGUAGES = ("bn", "en", "mixed")
CATEGORIES = ("complaint", "suggestion", "question", "praise", "spam", "other")


def _terms(text: str) -> tuple[str, ...]:
    """A word list written compactly: phrases separated by ';' or new lines, NFC."""
    phrases = (part.strip() for line in text.splitlines() for part in line.split(";"))
    return tuple(nfc(phrase) for phrase in phrases if phrase)


# Danger happening now (English, Bengali, Banglish), matched like keywords.
DEFAULT_URGENCY_TERMS: tuple[str, ...] = _terms(
    """
    fire; fire broke out; on fire; flames; blaze; burning; আগুন; আগুন লেগেছে; agun; agun legeche
    collapse; collapsed; caved in; trapped; stuck inside; under the rubble; under debris
    ভেঙে পড়েছে; ধসে পড়েছে; চাপা পড়েছে; আটকে আছে; আটকে আছেন; আটকে থাকতে
    bhenge poreche; atke ache; chapa poreche
    live wire; wire snapped; electrocuted; electric shock; getting shocks; sparks
    তার ছিঁড়ে; স্পার্ক; শক লেগেছে; taar chhinre; tar chhinre; wire chhinre; chhinre poreche
    gas leak; gas leaking; smell of gas; gas smell; গ্যাস লিক; গ্যাসের গন্ধ; gas er gondho
    cylinder leak
    waist deep; chest deep; water entering; entering houses; into homes
    জল ঢুকে গেছে; ঘরে জল ঢুকে; ভেতর জল ঢুকে; কোমর সমান জল; jol dhuke geche; ghore jol
    tree fell; tree fallen; tree came down; uprooted; গাছ ভেঙে পড়েছে; গাছ পড়ে গেছে; গাছ উপড়ে
    gach pore geche; gach bhenge poreche; হেলে পড়েছে
    fell into; পড়ে গিয়েছিল; অজ্ঞান; মৃত্যু হয়েছে; died; outbreak
    urgent; urgently; emergency; send help; জরুরি; এখনই লোক পাঠান; এখনই সাহায্য; এখনই ব্যবস্থা
    এখনই মেডিক্যাল; ekhuni; taratari asun
    """
)
# The urgent phrases that mean a person may be hurt now: a WhatsApp citizen who writes one is
# also sent the emergency numbers (fire 101, police 100, ambulance 102) in their language.
DANGER_TO_LIFE_TERMS: frozenset[str] = frozenset(
    term.casefold()
    for term in _terms(
        """
        fire; fire broke out; on fire; flames; blaze; burning; আগুন; আগুন লেগেছে; agun
        agun legeche; collapse; collapsed; caved in; trapped; stuck inside
        under the rubble; under debris; ভেঙে পড়েছে; ধসে পড়েছে; চাপা পড়েছে; আটকে আছে
        আটকে আছেন; আটকে থাকতে; bhenge poreche; atke ache; chapa poreche; live wire
        wire snapped; electrocuted; electric shock; getting shocks; তার ছিঁড়ে; শক লেগেছে
        taar chhinre; tar chhinre; wire chhinre; gas leak; gas leaking; smell of gas; gas smell
        গ্যাস লিক; গ্যাসের গন্ধ; gas er gondho; cylinder leak; fell into; পড়ে গিয়েছিল; অজ্ঞান
        মৃত্যু হয়েছে; died; waist deep; chest deep
        """
    )
)
# Phrases that take the danger back ("collapsed. Nobody hurt"): a light form of negation.
_CALM = _terms("nobody hurt; no one hurt; nobody injured; no one injured; কেউ আহত হয়নি")

# Banglish and colloquial phrases the departments file does not carry, per department code.
# The file stays the primary source: a phrase here that the file gives to another department
# is ignored, and codes missing from the file are skipped.
BUILTIN_KEYWORDS: dict[str, tuple[str, ...]] = {
    "WATER": _terms(
        """
        jol nei; jol ashche na; jol asche na; jol ashe na; jol ase na; jol aseni
        jol ashe; jol ase; jol asche; kole jol; kol e jol; ghola jol; nongra jol; khabar jol
        jol er pressure; jol er line; water main; water supply shutdown; no water; without water
        কলে জল; জল আসে না; জল আসেনি; জলের সংযোগ
        """
    ),
    "DRAIN": _terms(
        """
        jol jome; jol jomeche; jol jomche; jol jome ache; jol jome jay; hatu jol; komor jol
        jol nambe; jol namche na; nordoma; nordama; nikashi; knee deep water; waist deep water
        pumping station; জল নামেনি; জল নামছে না; হাঁটু জল; কোমর সমান জল; জল ঢুকে
        """
    ),
    "ROADS": _terms(
        """
        rasta bhanga; bhanga rasta; rasta kharap; gorto; khanakhando; rasta sarai; dug up
        পিচ উঠে; রাস্তা খুঁড়ে
        """
    ),
    "SWM": _terms(
        """
        moyla; moylar gari; aborjona; jonjal; garbage van; garbage collection
        dead dog; dead cat; dead cow; মরা বিড়াল; মরা গরু; ময়লার
        """
    ),
    "LIGHT": _terms(
        "alo jolche na; alo jolchhe na; alo nei; bulb kata; rastar alo; electric wire; live wire"
        "; বিদ্যুতের তার"
    ),
    "VECTOR": _terms("mosha; masha; moshar; dengi; larva; মশার"),
    "HEALTH": _terms(
        "kukur kamreche; kukur kamrechhe; rastar kukur; dog menace; haspatal; daktar"
        "; health centre; food poisoning"
    ),
    "PARKS": _terms("gach pore geche; gach bhenge; gacher dal; dolna"),
    "BUILD": _terms(
        "beaini nirman; bhanga bari; purono bari; purono barir; old building; plaster falling"
        "; পুরনো বাড়ি"
    ),
    "MARKET": _terms("bajar"),
    "ENV": _terms("pukur bhorat; dj box; dj; ডিজে"),
    "BIRTH": _terms("jonmo certificate; জন্ম সার্টিফিকেট; মৃত্যু সার্টিফিকেট"),
    "LICENCE": _terms("licence chhara; license chhara"),
    "AMUSE": _terms("jalsa; jatra; onushthan; onushthaner onumoti"),
    "IT": _terms("kmc app"),
}

# Place names that contain a keyword but say nothing about the problem: matched like
# keywords, so the keyword inside them is dropped, and never counted.
NEUTRAL_PLACES: tuple[str, ...] = _terms(
    """
    park circus; park street; jodhpur park; regent park; hindustan park; jatin das park
    deshapriya park; garden reach; lake gardens; lake market; howrah station; howrah bridge
    পার্ক সার্কাস; পার্ক স্ট্রিট; যোধপুর পার্ক; গার্ডেনরিচ; গার্ডেন রিচ; লেক গার্ডেনস
    """
)
# Gas belongs to the fire brigade and the gas company: the "leak" in these is not water's.
_NEUTRAL_PHRASES = _terms("gas leak; gas cylinder; cylinder leak")

# Places with their own municipality: a message about them is not KMC's to act on.
OUTSIDE_KMC_PLACES: tuple[str, ...] = _terms(
    """
    salt lake; saltlake; bidhannagar; new town; newtown; rajarhat; lake town; dum dum
    baranagar; howrah; rajpur sonarpur; sonarpur; barasat; bally
    সল্টলেক; সল্ট লেক; বিধাননগর; নিউটাউন; নিউ টাউন; রাজারহাট; লেকটাউন; দমদম; বরানগর; হাওড়া
    রাজপুর সোনারপুর; সোনারপুর
    """
)

# Single words that also appear in addresses and everyday talk: they count for less, so
# "dead dog lying on the road" goes to Solid Waste rather than Roads.
_GENERIC_KEYWORDS = frozenset(
    _terms(
        """
        road; rasta; market; garden; tree; leak; smoke; pond; stall; bridge; app; portal; login
        school; student; teacher; hospital; doctor; medicine; waste; vat; borough office
        ward office; মার্কেট; বাজার; গাছ; গর্ত; পিচ; স্কুল; চালান; বেতন; চাকরি; পাঁচিল; বিনোদন
        """
    )
)
_GENERIC_WEIGHT = 0.6
# The department named first is usually the subject; later ones are often landmarks.
_FIRST_MENTION_BONUS = 0.25
# Bustee Services handles water, drains and light inside bustees: a bustee keyword outweighs
# the service's own department.
_SETTING_WEIGHT = {"BUSTEE": 2.0}

# Subjects that are not the corporation's (electricity supply, police, transport, politics)
# and insults: without a stronger department, the message is "other".
_OTHER_CUES = _terms(
    """
    cesc; power cut; current nei; load shedding; police; thana; metro; train; book fair
    election; vote; neta; chor; thieves; idiots; useless; corrupt; shame; photo tolar
    সিইএসসি; লোডশেডিং; পুলিশ; থানা; মেট্রো; ট্রেন; ভোট; চোর; নেতা; ছবি তুলে
    """
)

# Category cues. Spam: one strong cue, or promotion words with a phone number or a link.
_SPAM_STRONG = _terms(
    """
    bitcoin; btc; crypto; forex; dream11; satta; matka; fatafat; rummy; lottery; follow back
    follow me; buy followers; followers; subscribe; like share; check inbox; check dm; dm for
    work from home; earn rs; no investment; you won; claim here; packers and movers
    ghore bose; income korun; like korun; follow korun; subscribe korun
    ফলোয়ার; সাবস্ক্রাইব; লটারি; বশীকরণ; জ্যোতিষী; আয় করুন; শেয়ার করুন; লাইক করুন
    """
)
_SPAM_WEAK = _terms(
    """
    earn; income; daily; guaranteed; guarantee; offer; off; discount; for sale; cheap; lakh
    bhk; bonus; win; won; prize; click; join; whatsapp; telegram; dm; inbox; loan; invest
    opportunity; call; order; order now; channel; page; follow; like; instant; koro
    সস্তায়; ছাড়; মাত্র; ইনবক্স; যোগাযোগ করুন; গ্যারান্টি; টেলিগ্রাম; চ্যানেল; লাইক; ফোন করুন
    কল করুন; লাভের
    """
)
_PRAISE = _terms(
    """
    thank you; thanks; thank; great job; good job; great work; good work; well done
    great initiative; good initiative; awesome; brilliant; impressed; proud; appreciate
    appreciated; keep it up; hats off; grateful; kudos; smooth; love; it's done; done now
    fixed now; darun; khub bhalo; khub sundor; khub kajer; kaj hoye geche
    ধন্যবাদ; সাধুবাদ; কুর্নিশ; শুভেচ্ছা; দারুণ; খুব ভালো; সুন্দর; কাজের; ভালো লাগল; অনেক ভালো
    ঠিক হয়ে গেছে; কাজ হয়ে গেছে
    """
)
# English question words count only where a sentence starts ("When will ...", not "how deep").
_INTERROGATIVES = _terms(
    "how; when; where; what; which; who; whom; is; are; can; could; do; does; did; will; any"
)
# Bengali and Banglish question words sit anywhere in the sentence (the verb comes last).
_QUESTION = _terms(
    """
    is there; how to; whom to; any update; kobe; kothay; kivabe; ki bhabe; ki kore; koto
    ache ki; hobe ki; lagbe
    কবে; কীভাবে; কিভাবে; কোথায়; কোথা থেকে; কত; কখন; কী কী; কি না; জানতে চাই; আছে কি
    কেউ বলতে পারবেন; বুঝিয়ে বলবেন
    """
)
# Questions that are complaints in disguise.
_RHETORICAL = _terms(
    """
    ke dekhbe; ke thik korbe; ki korbo; ki korbe; keu ki dekhbe; where is kmc
    who is responsible; what do we do; what happened to; how did; is this the official
    why no; naki; কেউ কি দেখবেন; কে দেখবে; কী করব; নাকি; এটাই কি নিয়ম
    """
)
_SUGGESTION = _terms(
    """
    suggest; suggestion; please consider; would be better; would stop; it would be good
    please add; please install; please put; please plant; please announce; please post
    please publish; please make; please bring; please provide; please give; please share
    please run; please introduce; please start; bhalo hoy; korle bhalo; dile bhalo; dorkar
    pin kore rakhun; উচিত; হোক; ভালো হয়; ভালো হত; কম হত; করা যায় না; বাংলাতেও দিন
    """
)
# "should" suggests, unless the sentence asks ("Whom should we contact?").
_SUGGESTION_WEAK = _terms("should")
# Problem words: they keep a message with a question mark or a "thank you" a complaint.
_COMPLAINT = _terms(
    """
    not; never; nobody; no one; no reply; no response; still; broken; again; overflowing
    choked; blocked; missing; dirty; smells; since; days; week; weeks; months; unfair
    useless; fix; problem; please remove; please check; please do something
    nei; na; hoyni; bondho; bhanga; kharap; din dhore; keu dekhche na
    নেই; না; হয়নি; আসেনি; ভাঙা; ভেঙে; খারাপ; দিন ধরে; মাস ধরে; অভিযোগ; কিন্তু; অথচ; বন্ধ
    আবার; অপেক্ষা
    """
)

# Banglish markers for language detection: Bengali function words and verb forms that are
# not English words. The ambiguous ones ("e", "r", "te", ...) only support a clear one.
_BANGLISH_WORDS = frozenset(
    _terms(
        """
        ami amar amra amader apni apnar apnara apnader tumi tomar ora oder ke keu kichu kichhu
        ekhon ekhono ekhuni kobe kothay kivabe keno kemon koto ki kintu ar o naki toh
        ache achhe achi nei hoy hoyni hoye hobe holo hocche hochhe hochche korun korchen korche
        korchi korbo korte kore korlam korechi korechilam gelo geche gechhe jachhe jacche jay
        ase ashe asche ashche aseni asen asben aschen ashbe dite dilo din dao deya dewa dey
        bolche bole bolechi bolchi pabo pai pacchi parchi pare parto lagbe lage lagano dorkar
        dhore theke jonno moddhe upor niche pashe pichhon samne kache er te r e
        jol rasta rastay rastar gali parar barir bari ghor ghore gach moyla masha mosha
        khub bhalo darun sundor kharap bhanga bondho onek ekta ekti ei oi sei eta ota
        mash bochor ghonta raat sokal bikel brishti jhor garome
        taka lok manush bachha bachhara buro babar baba ma meye chele
        taratari shuru hoini hoyeche hoyechhe dekhchi dekhche dekhe dekhbo kaj kaaj
        jabe jabo jete pore poreche porche porechhe uthche uthe tola tulche tulben
        pathan asun bolun janan dekhun sorachhe chhoriye dichhe nicche ney
        pelam pelo koro korlo ekhane okhane dekhachhe bhul poka ta gulo der
        """.replace(" ", ";")
    )
)
_BANGLISH_AMBIGUOUS = frozenset({"e", "r", "o", "te", "ar", "din", "ma", "pare", "pore", "lage"})
# Acronyms that appear in Bengali sentences without making them mixed.
_NEUTRAL_LATIN = frozenset({"kmc", "uphc", "ok"})

_BENGALI_DIGITS = "০১২৩৪৫৬৭৮৯"
_TO_ASCII_DIGITS = str.maketrans(_BENGALI_DIGITS, "0123456789")

# Letters a keyword must not touch: ASCII letters, and the Bengali block without its digits.
_LETTER = "a-z\u0980-\u09e5\u09f0-\u09ff"
# Bengali endings that may follow a keyword: a classifier (টা, গুলো), a case ending (-এ, -তে,
# -র, -ের, -য়ের, -কে, -দের) and an emphatic or inclusive particle (-ই, -ও).
_BENGALI_SUFFIX = unicodedata.normalize(
    "NFC",
    "(?:টা|টি|টার|টির|খানা|গুলো|গুলি)?(?:ের|এর|র|েরা|ে|এ|য়ের|য়ে|য়|তে|কে|দের|রা)?(?:ই|ও)?",
)
_ENGLISH_SUFFIX = "(?:es|s)?"
_SUFFIXES = (re.compile(_BENGALI_SUFFIX), re.compile(_ENGLISH_SUFFIX))

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\ufeff]")
# Runs of spacing and hyphens, but not the single spaces that need no change (faster).
_SPACES_AND_HYPHENS = re.compile(r"[\s\-_]{2,}|[^\S ]|[-_]")
_SENTENCE_END = re.compile(r"[.!?।\n]+")
_BENGALI_CHAR = re.compile("[\u0980-\u09ff]")
_LATIN_WORD = re.compile(r"[a-z]+")
_MAY_HAVE_LINK = re.compile(r"/|www\.")
_TEN_DIGITS = re.compile("[0-9০-৯]{10}")
_URL = re.compile(r"https?://\S+|www\.\S+|\b[a-z0-9-]+\.(?:ly|me|be|in|com|io|link)/\S*")
_PHONE = re.compile(r"(?<![0-9০-৯])(?:\+?91[\s-]?)?[6-9৬-৯][0-9০-৯]{9}(?![0-9০-৯])")
_MENTION = re.compile(r"[@#]\w+")

# Ward mentions, on NFC text with either digit set: "ward 65", "ward no-65", "Ward No. 65",
# "w/65", "wd 65", "ওয়ার্ড নং ৬৫", or the number first: "৬৫ নম্বর ওয়ার্ডে", "134 no ward".
# Not "lamp post 118/27" (no ward word), "ward 12/3" (a house number) or "Borough 10".
_DIGIT = "[0-9০-৯]"
_NUMBER_WORD = r"(?:no\.?|nos?\.?|number|nong|num|নং|নম্বর|নাম্বার)"
_WARD_WORD = r"(?:ওয়ার্ড|ওয়াড)"
_WARD_STEM = nfc("ওয়া")  # in every Bengali spelling of "ward"
_WARD_PATTERN = re.compile(
    unicodedata.normalize(
        "NFC",
        rf"(?:(?<![a-z])(?:ward|wd)|(?<![a-z])w/|{_WARD_WORD})\s*(?:{_NUMBER_WORD}\s*)?"
        rf"[-:.#]?\s*(?P<after>{_DIGIT}{{1,3}})(?![0-9০-৯/])"
        rf"|(?<![0-9০-৯/.,])(?P<before>{_DIGIT}{{1,3}})\s*(?:{_NUMBER_WORD}\s*)?-?\s*"
        rf"(?:ward|{_WARD_WORD})",
    ),
    re.IGNORECASE,
)

# Tags in the keyword matcher for entries that are not departments.
_NEUTRAL = "#neutral"
_OUTSIDE = "#outside"
_OTHER = "#other"


def _nfc(text: str) -> str:
    """NFC without zero-width joiners, which Bengali keyboards insert at random."""
    text = nfc(text)
    if "\u200c" in text or "\u200d" in text or "\u200b" in text or "\ufeff" in text:
        return _ZERO_WIDTH.sub("", text)
    return text


def normalise(text: str) -> str:
    """The form keywords are compared in: NFC, case-folded, one space for any spacing."""
    return _SPACES_AND_HYPHENS.sub(" ", _nfc(text).casefold()).strip()


@dataclass(frozen=True)
class RoutingDecision:
    """Where a message goes and why.

    `department_code` None means the IT team's queue. The evidence tuples hold the keywords
    and cue phrases that decided each field, normalised; `ward_evidence` is the ward mention
    as written. `confidence` (0-1) says how clearly the decision was made; see `Router`.
    """

    language: str
    ward: int | None
    ward_evidence: str | None
    department_code: str | None
    department_evidence: tuple[str, ...]
    category: str
    category_evidence: tuple[str, ...]
    urgent: bool
    urgency_evidence: tuple[str, ...]
    explanation: str  # a `hub.i18n.Message` where routing wrote it
    confidence: float


# A phrase found in a text: (start, end, phrase as listed, tag). A plain tuple, because
# routing builds several per message and a class costs more.
_Hit = tuple[int, int, str, str]
_PHRASE, _TAG = 2, 3  # the fields read by name


def _quoted(words: Iterable[str]) -> Joined:
    """Words as found, each in quotes: 'জল', 'no water'."""
    return Joined(f"'{word}'" for word in words)


def wards_mentioned(text: str) -> list[int]:
    """Every ward the text names ("ward 65", "ওয়ার্ড ৬৫", "65 no ward"), in order, once each.

    For texts that may name several wards (an update's place, a notice); a citizen's message
    is routed to its first ward by `Router`."""
    found: list[int] = []
    for match in _WARD_PATTERN.finditer(nfc(text)):
        number = int((match["after"] or match["before"]).translate(_TO_ASCII_DIGITS))
        if 1 <= number <= WARD_COUNT and number not in found:
            found.append(number)
    return found


def mentions_danger_to_life(text: str) -> bool:
    """Whether `text` says a person may be hurt now (`DANGER_TO_LIFE_TERMS`), unless a calming
    phrase takes it back ("collapsed, nobody hurt")."""
    hits = _danger_matcher().find(normalise(text))
    return bool(hits) and not any(hit[_TAG] == "calm" for hit in hits)


@functools.cache
def _danger_matcher() -> _PhraseMatcher:
    return _PhraseMatcher(_tagged(DANGER_TO_LIFE_TERMS, "danger", _tagged(_CALM, "calm")))


def find_reference(text: str, prefix: str) -> str | None:
    """The first reference number in `text` (``KMC-2026-000123``), in either script's digits
    and with the separators people type (spaces, hyphens, slashes), as the hub writes it."""
    match = _reference_pattern(prefix).search(nfc(text).translate(_TO_ASCII_DIGITS))
    if match is None:
        return None
    return f"{prefix.upper()}-{match.group(1)}-{int(match.group(2)):06d}"


@functools.cache
def _reference_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?<![0-9A-Za-z]){re.escape(prefix)}\s*[-/ ]?\s*(\d{{4}})\s*[-/ ]?\s*(\d{{1,6}})(?!\d)",
        re.IGNORECASE,
    )


class _PhraseMatcher:
    """Whole-word matching of many phrases in one pass, with Bengali inflections.

    The phrases are compiled into a prefix-tree pattern inside a zero-width look-ahead, so
    one scan yields the longest phrase starting at every position, overlaps included; a match
    inside an earlier, longer one is then dropped.
    """

    def __init__(self, tags: dict[str, str]) -> None:
        self._tags = tags
        tree: dict = {}
        for phrase in tags:
            node = tree
            for char in phrase:
                node = node.setdefault(char, {})
            node[""] = {}
        body = self._pattern(tree) if tree else "(?!)"
        # The look-behind is tested after the first character (a cheap set test) matches.
        first = "".join(sorted({re.escape(char) for char in tree})) or "x"
        self._regex = re.compile(rf"(?=[{first}])(?<![{_LETTER}])(?=({body})(?![{_LETTER}]))")

    @classmethod
    def _pattern(cls, node: dict, last: str = "") -> str:
        branches = [
            re.escape(char) + cls._pattern(child, char) for char, child in node.items() if char
        ]
        if "" in node:  # a phrase ends here: after the longer ones, try it with an inflection
            if "\u0980" <= last <= "\u09ff":
                branches.append(_BENGALI_SUFFIX)
            elif "a" <= last <= "z":
                branches.append(_ENGLISH_SUFFIX)
            else:
                branches.append("")
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"

    def find(self, text: str) -> list[_Hit]:
        """Every phrase in `text`, longest at each start, none inside a longer one."""
        hits: list[_Hit] = []
        furthest = -1
        tags = self._tags
        for match in self._regex.finditer(text):
            found = match.group(1)
            start = match.start()
            end = start + len(found)
            if end <= furthest:
                continue  # inside an earlier match that started no later and ends no sooner
            phrase = found if found in tags else self._without_suffix(found)
            if phrase is None:
                continue
            furthest = end
            hits.append((start, end, phrase, tags[phrase]))
        return hits

    def _without_suffix(self, found: str) -> str | None:
        """The listed phrase an inflected match came from."""
        for cut in range(len(found) - 1, 0, -1):
            stem = found[:cut]
            if stem in self._tags and any(s.fullmatch(found[cut:]) for s in _SUFFIXES):
                return stem
        return None


def _tagged(terms: Iterable[str], tag: str, into: dict[str, str] | None = None) -> dict[str, str]:
    """`terms` normalised, each tagged with `tag` unless already in `into`."""
    tags = {} if into is None else into
    for term in terms:
        key = normalise(term)
        if key:
            tags.setdefault(key, tag)
    return tags


def _keyword_weight(keyword: str) -> float:
    """Longer keywords are more specific ("birth certificate" over "road"); generic less."""
    weight = min(2.0, max(0.6, 0.5 + len(keyword) / 12))
    return weight * _GENERIC_WEIGHT if keyword in _GENERIC_KEYWORDS else weight


class Router:
    """Routes a citizen's message to a department, with language, ward, category and urgency.

    Build it once from the departments (inactive ones are left out) and call `route` for each
    message. `urgency_terms` replaces the default danger phrases; `ward_range` is the
    corporation's wards, inclusive.

    Confidence: for a routed message, the winning department's share of all department
    scores, scaled down when one short or generic keyword decided it; for the IT queue, 0.8
    when cue words showed spam, praise or other, 0.3 when nothing was recognised.
    """

    def __init__(
        self,
        departments: Sequence[Department],
        *,
        urgency_terms: Sequence[str] = DEFAULT_URGENCY_TERMS,
        ward_range: tuple[int, int] = (1, WARD_COUNT),
    ) -> None:
        if ward_range[0] > ward_range[1]:
            raise ValueError("ward_range must be (lowest, highest)")
        self.ward_range = ward_range
        self.urgency_terms = tuple(urgency_terms)
        self._names = {d.code: d.name_en for d in departments if getattr(d, "active", True)}

        # Places first: a keyword that is also a place name would route on a landmark.
        tags = _tagged(NEUTRAL_PLACES, _NEUTRAL)
        _tagged(_NEUTRAL_PHRASES, _NEUTRAL, tags)
        _tagged(OUTSIDE_KMC_PLACES, _OUTSIDE, tags)
        for department in departments:
            if department.code in self._names:
                _tagged((*department.keywords_en, *department.keywords_bn), department.code, tags)
        for code, phrases in BUILTIN_KEYWORDS.items():
            if code in self._names:
                _tagged(phrases, code, tags)
        _tagged(_OTHER_CUES, _OTHER, tags)
        self._keywords = _PhraseMatcher(tags)
        self._weights = {keyword: _keyword_weight(keyword) for keyword in tags}

        cues: dict[str, str] = {}
        for tag, terms in (
            ("spam!", _SPAM_STRONG),
            ("praise", _PRAISE),
            ("rhetorical", _RHETORICAL),
            ("suggestion", _SUGGESTION),
            ("suggestion?", _SUGGESTION_WEAK),
            ("question", _QUESTION),
            ("interrogative", _INTERROGATIVES),
            ("complaint", _COMPLAINT),
            ("spam", _SPAM_WEAK),
        ):
            _tagged(terms, tag, cues)
        self._cues = _PhraseMatcher(cues)
        urgency = _tagged(_CALM, "calm")
        self._urgency = _PhraseMatcher(_tagged(self.urgency_terms, "urgent", urgency))

    # -- the decision ---------------------------------------------------------------------------

    def route(self, text: str) -> RoutingDecision:
        """Language, ward, department, category and urgency of one message, with evidence."""
        original = _nfc(text)
        folded = original.casefold()
        norm = _SPACES_AND_HYPHENS.sub(" ", folded).strip()

        language = self._language(norm)
        hits = self._keywords.find(norm)
        outside = tuple(dict.fromkeys(h[_PHRASE] for h in hits if h[_TAG] == _OUTSIDE))
        other_cues = tuple(dict.fromkeys(h[_PHRASE] for h in hits if h[_TAG] == _OTHER))
        code, department_evidence, score, confidence = self._department(hits)
        category, category_evidence = self._category(norm, folded, code)
        urgency_evidence = self._urgency_evidence(norm)
        ward, ward_evidence = (None, None) if outside else self._ward(original)

        # What KMC cannot act on goes to nobody's desk but IT's, unless it is dangerous now.
        if urgency_evidence and category == "other":
            category = "complaint"  # danger happening now is a complaint, cue words or not
        elif (
            (outside or len(other_cues) > score)
            and not urgency_evidence
            and category not in ("spam", "praise")
        ):
            category, category_evidence = "other", outside or other_cues
        if category in ("spam", "other"):
            code, department_evidence = None, ()
        if code is None:
            recognised = category in ("spam", "praise", "other") and category_evidence
            confidence = 0.8 if recognised else 0.3
        if category == "spam":
            urgency_evidence = ()

        return RoutingDecision(
            language=language,
            ward=ward,
            ward_evidence=ward_evidence,
            department_code=code,
            department_evidence=department_evidence,
            category=category,
            category_evidence=category_evidence,
            urgent=bool(urgency_evidence),
            urgency_evidence=urgency_evidence,
            explanation=self._explain(
                code,
                department_evidence,
                ward,
                ward_evidence,
                category,
                category_evidence,
                urgency_evidence,
                outside,
            ),
            confidence=round(confidence, 2),
        )

    # -- the parts ------------------------------------------------------------------------------

    @staticmethod
    def _language(norm: str) -> str:
        """Bengali script, Latin script, both, or Bengali written in Latin letters (mixed)."""
        has_bengali = _BENGALI_CHAR.search(norm) is not None
        if _MAY_HAVE_LINK.search(norm):
            norm = _URL.sub(" ", norm)
        latin = _LATIN_WORD.findall(_MENTION.sub(" ", norm) if "@" in norm or "#" in norm else norm)
        words = [word for word in latin if word not in _NEUTRAL_LATIN]
        if has_bengali:
            return "mixed" if any(len(word) > 1 for word in words) else "bn"
        if not words:
            return "en"
        banglish = [word for word in words if word in _BANGLISH_WORDS]
        clear = sum(1 for word in banglish if word not in _BANGLISH_AMBIGUOUS)
        if clear >= 2 or (clear and (len(banglish) >= 2 or len(banglish) / len(words) >= 0.25)):
            return "mixed"
        return "en"

    def _department(self, hits: list[_Hit]) -> tuple[str | None, tuple[str, ...], float, float]:
        """The best-scoring department, its keywords, its score and how clearly it won."""
        scores: dict[str, float] = {}
        evidence: dict[str, dict[str, None]] = {}
        first_seen: dict[str, int] = {}
        weights = self._weights
        for start, _end, keyword, code in hits:
            if code[0] == "#":
                continue
            seen = evidence.setdefault(code, {})
            if keyword in seen:
                continue
            seen[keyword] = None
            first_seen.setdefault(code, start)
            scores[code] = scores.get(code, 0.0) + weights[keyword]
        if not scores:
            return None, (), 0.0, 0.0
        for code in scores:
            scores[code] *= _SETTING_WEIGHT.get(code, 1.0)
        scores[min(first_seen, key=first_seen.__getitem__)] += _FIRST_MENTION_BONUS
        best = min(scores, key=lambda code: (-scores[code], first_seen[code]))
        share = scores[best] / sum(scores.values())
        strength = min(1.0, 0.5 + scores[best] / 2)
        return best, tuple(evidence[best]), scores[best], share * strength

    def _category(self, norm: str, folded: str, code: str | None) -> tuple[str, tuple[str, ...]]:
        """Spam, suggestion, praise, question or complaint from cue words; else other."""
        hits_by_tag: dict[str, list[_Hit]] = {}
        for hit in self._cues.find(norm):
            hits_by_tag.setdefault(hit[_TAG], []).append(hit)
        found = {tag: [hit[_PHRASE] for hit in hits] for tag, hits in hits_by_tag.items()}

        strong, weak = found.get("spam!", []), found.get("spam", [])
        links = _URL.findall(folded) if _MAY_HAVE_LINK.search(folded) else []
        phones = _PHONE.findall(folded) if _TEN_DIGITS.search(folded) else []
        contact = links or phones
        if (
            strong
            or (len(weak) >= 2 and contact)
            or (contact and code is None and (weak or links))
            or (len(weak) >= 3 and code is None)
            or len(weak) >= 4
        ):
            return "spam", tuple(dict.fromkeys([*strong, *weak, *links, *phones]))

        suggestion = found.get("suggestion", [])
        if suggestion:
            return "suggestion", tuple(dict.fromkeys(suggestion))

        praise = found.get("praise", [])
        rhetorical = found.get("rhetorical", [])
        complaint = [*found.get("complaint", []), *rhetorical]
        # A question asked first ("When will ...?", "নালা সাফাই কবে হবে জানতে চাই।") is a
        # question; one after a described problem ("... Who is responsible?") is usually the
        # complaint's rhetorical ending.
        question_words: list[str] = []
        asked_first = False
        if "?" in norm or "interrogative" in hits_by_tag or "question" in hits_by_tag:
            first_end_match = _SENTENCE_END.search(norm)
            first_end = first_end_match.start() if first_end_match else len(norm)
            asked_first = bool(first_end_match and "?" in first_end_match.group())
            if "interrogative" in hits_by_tag:
                ends = [m.end() for m in _SENTENCE_END.finditer(norm)]
                starts = {0, *ends, *(end + 1 for end in ends)}
                for start, _end, word, _tag in hits_by_tag["interrogative"]:
                    if start in starts:
                        question_words.append(word)
                        asked_first = asked_first or start == 0
            for start, _end, word, _tag in hits_by_tag.get("question", ()):
                question_words.append(word)
                asked_first = asked_first or start < first_end
        asks = bool(question_words) or "?" in norm
        question_evidence = tuple(dict.fromkeys(question_words or ["?"]))

        if praise and len(praise) > len(complaint) and not asks:
            return "praise", tuple(dict.fromkeys(praise))
        if asked_first and not rhetorical and len(complaint) < 3:
            return "question", question_evidence
        if "suggestion?" in found:
            return "suggestion", tuple(found["suggestion?"])
        if asks and not complaint:
            return "question", question_evidence
        if praise and len(praise) >= len(complaint):
            return "praise", tuple(dict.fromkeys(praise))
        if complaint or code is not None:
            return "complaint", tuple(dict.fromkeys(complaint))
        return "other", ()

    def _urgency_evidence(self, norm: str) -> tuple[str, ...]:
        """The danger phrases in the text, none when a calming phrase takes them back."""
        hits = self._urgency.find(norm)
        if not hits or any(hit[_TAG] == "calm" for hit in hits):
            return ()
        return tuple(dict.fromkeys(hit[_PHRASE] for hit in hits))

    def _ward(self, original: str) -> tuple[int | None, str | None]:
        """The first ward mention whose number is one of the corporation's wards."""
        low, high = self.ward_range
        lowered = original.lower()
        if not ("ward" in lowered or "wd" in lowered or "w/" in lowered or _WARD_STEM in lowered):
            return None, None
        for match in _WARD_PATTERN.finditer(original):
            number = int((match["after"] or match["before"]).translate(_TO_ASCII_DIGITS))
            if low <= number <= high:
                return number, match.group(0).strip()
        return None, None

    def _explain(
        self,
        code: str | None,
        department_evidence: tuple[str, ...],
        ward: int | None,
        ward_evidence: str | None,
        category: str,
        category_evidence: tuple[str, ...],
        urgency_evidence: tuple[str, ...],
        outside: tuple[str, ...],
    ) -> Message:
        """One line for the board: department and keywords, ward, urgency, category and cues.

        A `Message`: its English is what is stored and logged, and the ticket page shows it
        in the reader's language. The quoted words stay as they were written.
        """
        # The category's own word is its catalogue entry (hub.tickets.labels marks them).
        category_word = Message(category)
        parts: list[Message] = []
        if code is not None:
            parts.append(
                Message(
                    N_("{department}: matched {words}"),
                    department=self._names.get(code, code),
                    words=_quoted(department_evidence),
                )
            )
        elif outside:
            parts.append(
                Message(N_("IT team's queue: outside KMC ({place})"), place=f"'{outside[0]}'")
            )
        elif category in ("spam", "other", "praise") and category_evidence:
            parts.append(
                Message(
                    N_("IT team's queue: {category}, no department needed"),
                    category=category_word,
                )
            )
        else:
            parts.append(Message(N_("IT team's queue: no department keyword matched")))
        if ward is not None:
            parts.append(
                Message(N_("ward {ward} from {evidence}"), ward=ward, evidence=f"'{ward_evidence}'")
            )
        if urgency_evidence:
            parts.append(Message(N_("urgent: {terms}"), terms=_quoted(urgency_evidence)))
        if category_evidence:
            parts.append(
                Message(
                    N_("{category} ({cues})"),
                    category=category_word,
                    cues=_quoted(category_evidence[:3]),
                )
            )
        else:
            parts.append(category_word)
        return Joined(parts, "; ")
