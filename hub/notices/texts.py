"""The words of notices: the approved templates (registered with Meta with exactly these
bodies), the answers to subscription commands, and how a notice's wards and time read, in
Bengali and English."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hub.text import bengali_digits
from hub.ward_lists import ward_ranges

# (name, language, body): what the city registers with Meta. {{1}} and {{2}} are parameters.
NOTICE_TEMPLATES: tuple[tuple[str, str, str], ...] = (
    (
        "service_notice",
        "en",
        "Kolkata Municipal Corporation notice for {{1}}: {{2}} Reply STOP to stop these messages.",
    ),
    (
        "service_notice",
        "bn",
        "কলকাতা পৌরসংস্থার বিজ্ঞপ্তি, {{1}}: {{2}} এই বার্তা বন্ধ করতে বন্ধ লিখে পাঠান।",
    ),
    (
        "morning_digest",
        "en",
        "Kolkata Municipal Corporation, today's work in your wards ({{1}}): {{2}} Reply STOP to"
        " stop these messages.",
    ),
    (
        "morning_digest",
        "bn",
        "কলকাতা পৌরসংস্থা, আজ আপনার ওয়ার্ডে কাজ ({{1}}): {{2}} এই বার্তা বন্ধ করতে বন্ধ লিখে পাঠান।",
    ),
)
# WhatsApp refuses a parameter over this, or one with a line break or tab in it.
PARAMETER_CHARS = 1024

_MONTHS_BN = (
    "জানুয়ারি", "ফেব্রুয়ারি", "মার্চ", "এপ্রিল", "মে", "জুন", "জুলাই", "আগস্ট", "সেপ্টেম্বর",
    "অক্টোবর", "নভেম্বর", "ডিসেম্বর",
)  # fmt: skip

ANSWERS: dict[str, dict[str, str]] = {
    "subscribed": {
        "en": "You will get the city's notices for {what}. Send LIST to see what you follow,"
        " STOP to stop.",
        "bn": "{what} — পৌরসংস্থার বিজ্ঞপ্তি আপনি পাবেন। কী কী পাচ্ছেন জানতে তালিকা লিখুন, বন্ধ করতে বন্ধ লিখুন।",
    },
    "list": {
        "en": "You follow: {what}. Notices come in {tongue}.",
        "bn": "আপনি পাচ্ছেন: {what}। বিজ্ঞপ্তির ভাষা: {tongue}।",
    },
    "list_empty": {
        "en": "You follow nothing yet. Send SUBSCRIBE and your ward number, e.g. SUBSCRIBE 65.",
        "bn": "আপনি এখনও কিছু পাচ্ছেন না। ওয়ার্ড নম্বর দিয়ে যোগ লিখুন, যেমন: যোগ ৬৫।",
    },
    "stopped": {
        "en": "You will get no more notices from the city. Send SUBSCRIBE and a ward to start"
        " again.",
        "bn": "পৌরসংস্থার কোনো বিজ্ঞপ্তি আর পাঠানো হবে না। আবার পেতে যোগ ও ওয়ার্ড নম্বর লিখুন।",
    },
    "stopped_some": {
        "en": "Stopped: {what}. You still follow: {rest}.",
        "bn": "বন্ধ হল: {what}। এখনও পাচ্ছেন: {rest}।",
    },
    "language": {
        "en": "Notices will come in English.",
        "bn": "বিজ্ঞপ্তি এখন থেকে বাংলায় আসবে।",
    },
    "help": {
        "en": "We did not understand ({problem}). Send SUBSCRIBE 65 for ward 65 (several:"
        " SUBSCRIBE 60-62 88), SUBSCRIBE WATER for a department, LIST, STOP, STOP 65,"
        " ENGLISH or BANGLA.",
        "bn": "বুঝতে পারিনি ({problem})। ৬৫ নম্বর ওয়ার্ডের জন্য লিখুন: যোগ ৬৫ (একাধিক: যোগ ৬০-৬২"
        " ৮৮), বিভাগের জন্য: যোগ জল সরবরাহ; তালিকা; বন্ধ; বন্ধ ৬৫; ENGLISH বা বাংলা।",
    },
}


def answer(key: str, language: str, **values: str) -> str:
    """An answer to a command, in `language` (``bn`` or ``en``)."""
    return ANSWERS[key]["en" if language == "en" else "bn"].format(**values)


def wards_words(wards: list[int] | tuple[int, ...], language: str) -> str:
    """'ward 65', 'wards 60-62, 88' (Bengali: 'ওয়ার্ড ৬০-৬২, ৮৮')."""
    listed = ward_ranges(wards)
    if language == "en":
        return f"{'ward' if len(set(wards)) == 1 else 'wards'} {listed}"
    return f"ওয়ার্ড {bengali_digits(listed)}"


def window_words(starts_at: datetime, ends_at: datetime, zone: ZoneInfo, language: str) -> str:
    """When a notice holds, as people read it: '7 Dec 10:00-14:00' / '৭ ডিসেম্বর ১০:০০-১৪:০০'."""
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    same_day = start.date() == end.date()
    if language == "en":
        first = f"{start.day} {start:%b} {start:%H:%M}"
        last = f"{end:%H:%M}" if same_day else f"{end.day} {end:%b} {end:%H:%M}"
        return f"{first}-{last}"
    first = bengali_digits(f"{start.day} ") + _MONTHS_BN[start.month - 1]
    first += bengali_digits(f" {start:%H:%M}")
    if same_day:
        last = bengali_digits(f"{end:%H:%M}")
    else:
        last = bengali_digits(f"{end.day} ") + _MONTHS_BN[end.month - 1]
        last += bengali_digits(f" {end:%H:%M}")
    return f"{first}-{last}"


def date_words(moment: datetime, zone: ZoneInfo, language: str) -> str:
    """A day as people read it: '7 Dec 2026' / '৭ ডিসেম্বর ২০২৬'."""
    local = moment.astimezone(zone)
    if language == "en":
        return f"{local.day} {local:%b %Y}"
    return (
        bengali_digits(f"{local.day} ")
        + _MONTHS_BN[local.month - 1]
        + bengali_digits(f" {local.year}")
    )


def one_line(text: str) -> str:
    """Text as a template parameter may carry it: no line breaks, tabs or long spaces."""
    return " ".join(text.split())


def render(body: str, parameters: list[str] | tuple[str, ...]) -> str:
    """A template body with its parameters, as the subscriber reads it."""
    for number, value in enumerate(parameters, start=1):
        body = body.replace("{{" + str(number) + "}}", value)
    return body


def template_body(name: str, language: str) -> str:
    """The registered body of one of `NOTICE_TEMPLATES`."""
    for template, code, body in NOTICE_TEMPLATES:
        if template == name and code == language:
            return body
    raise KeyError(f"{name}/{language}")


__all__ = [
    "ANSWERS",
    "NOTICE_TEMPLATES",
    "PARAMETER_CHARS",
    "answer",
    "date_words",
    "one_line",
    "render",
    "template_body",
    "wards_words",
    "window_words",
]
