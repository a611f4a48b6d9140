"""What the WhatsApp desk says to citizens by itself, in Bengali and English.

These are the city's own words to the public (the reference number, a status, why an
attachment was not kept, the emergency numbers), chosen by the citizen's language: Bengali
for a Bengali message, English otherwise (Banglish writers read Latin script). Staff's
answers are theirs, from the reply templates (`hub.answering.templates`).
"""

from __future__ import annotations

from hub.errors import ConfigurationError
from hub.i18n import N_

LANGUAGES = ("bn", "en")

_TEXTS: dict[str, dict[str, str]] = {
    "registered": {
        "en": "Kolkata Municipal Corporation: your complaint is registered as {reference}. "
        "Send this number at any time to hear how it stands.",
        "bn": "কলকাতা পৌরসংস্থা: আপনার অভিযোগ {reference} নম্বরে নথিভুক্ত হয়েছে। "
        "অগ্রগতি জানতে যে-কোনো সময় এই নম্বরটি পাঠান।",
    },
    "status": {
        "en": "{reference}: {status}. Department: {department}.{answer}",
        "bn": "{reference}: {status}। বিভাগ: {department}।{answer}",
    },
    "status_answer": {
        "en": " Our last answer: {answer}",
        "bn": " আমাদের শেষ উত্তর: {answer}",
    },
    "status_unknown": {
        "en": "No complaint {reference} was registered from this number. Please check the "
        "number, or send your complaint again.",
        "bn": "এই নম্বর থেকে {reference} নম্বরে কোনো অভিযোগ নথিভুক্ত হয়নি। নম্বরটি মিলিয়ে "
        "দেখুন, অথবা অভিযোগটি আবার পাঠান।",
    },
    "refused": {
        "en": "We could not keep your {what}{filename}: {reason}. The rest of your complaint is "
        "registered.",
        "bn": "আপনার পাঠানো {what}{filename} রাখা গেল না: {reason}। অভিযোগের বাকি অংশ নথিভুক্ত হয়েছে।",
    },
    "reason_not_photo": {
        "en": "it is not a photo (JPEG, PNG or WebP)",
        "bn": "এটি ছবি নয় (JPEG, PNG বা WebP)",
    },
    "reason_too_large": {
        "en": "it is larger than {limit}",
        "bn": "এটি {limit}-এর চেয়ে বড়",
    },
    "reason_too_long": {
        "en": "the recording is longer than {limit} minutes",
        "bn": "রেকর্ডিংটি {limit} মিনিটের চেয়ে লম্বা",
    },
    "reason_not_audio": {
        "en": "it is not a recording we can play (OGG, AAC, AMR, MP3 or MP4 audio)",
        "bn": "এটি এমন রেকর্ডিং নয় যা আমরা চালাতে পারি (OGG, AAC, AMR, MP3 বা MP4 অডিও)",
    },
    "reason_not_pdf": {
        "en": "only PDF documents are accepted",
        "bn": "শুধু PDF নথি নেওয়া হয়",
    },
    "reason_video": {
        "en": "videos are not accepted: please send photos or a voice note",
        "bn": "ভিডিও নেওয়া হয় না: অনুগ্রহ করে ছবি বা ভয়েস মেসেজ পাঠান",
    },
    "not_received": {
        "en": "Your {what} did not reach us. Please send it again.",
        "bn": "আপনার পাঠানো {what} আমাদের কাছে পৌঁছায়নি। অনুগ্রহ করে আবার পাঠান।",
    },
    "unreadable": {
        "en": "We cannot read this kind of message. Please write your complaint, or send a "
        "photo, a voice note, a PDF or your location.",
        "bn": "এই ধরনের বার্তা আমরা পড়তে পারি না। অনুগ্রহ করে অভিযোগটি লিখে পাঠান, অথবা "
        "ছবি, ভয়েস মেসেজ, PDF বা আপনার লোকেশন পাঠান।",
    },
    "emergency": {
        "en": "If anyone is in danger now, call Fire 101, Police 100, Ambulance 102. Your "
        "message has reached the duty officer.",
        "bn": "কারও প্রাণ বিপন্ন হলে এখনই ফোন করুন: দমকল ১০১, পুলিশ ১০০, অ্যাম্বুলেন্স ১০২। "
        "আপনার বার্তা ডিউটি অফিসারের কাছে পৌঁছেছে।",
    },
}

_STATUS_WORDS = {
    "new": {"en": "received, waiting for the department", "bn": "গৃহীত, বিভাগের অপেক্ষায়"},
    "acknowledged": {"en": "acknowledged", "bn": "স্বীকৃত"},
    "in_progress": {"en": "being worked on", "bn": "কাজ চলছে"},
    "resolved": {"en": "resolved", "bn": "সমাধান হয়েছে"},
    "closed": {"en": "closed", "bn": "বন্ধ"},
}

_ATTACHMENT_WORDS = {
    "image": {"en": "photo", "bn": "ছবি"},
    "audio": {"en": "voice note", "bn": "ভয়েস মেসেজ"},
    "document": {"en": "document", "bn": "নথি"},
    "video": {"en": "video", "bn": "ভিডিও"},
    "sticker": {"en": "sticker", "bn": "স্টিকার"},
}


def desk_text(name: str, language: str, **values: str) -> str:
    """The desk's message `name` in `language` (bn or en), with its values filled in."""
    try:
        texts = _TEXTS[name]
    except KeyError:
        raise ConfigurationError(
            N_("the WhatsApp desk has no message {name!r}"), name=name
        ) from None
    return texts[language if language in texts else "en"].format(**values)


def status_words(status: str, language: str) -> str:
    """A ticket status as the citizen reads it."""
    words = _STATUS_WORDS.get(status, {"en": status, "bn": status})
    return words[language if language in words else "en"]


def attachment_words(kind: str, language: str) -> str:
    """What a kind of attachment is called, for the citizen."""
    words = _ATTACHMENT_WORDS.get(kind, {"en": "attachment", "bn": "সংযুক্তি"})
    return words[language if language in words else "en"]


def catalogue() -> dict[str, dict[str, str]]:
    """Every message in every language (a test checks that none lacks a language)."""
    return {
        **{f"text:{k}": v for k, v in _TEXTS.items()},
        **{f"status:{k}": v for k, v in _STATUS_WORDS.items()},
        **{f"attachment:{k}": v for k, v in _ATTACHMENT_WORDS.items()},
    }


__all__ = ["LANGUAGES", "attachment_words", "catalogue", "desk_text", "status_words"]
