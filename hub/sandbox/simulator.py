"""Synthetic citizens who talk to the city through the sandbox.

`CitizenSimulator` plays the citizens of Kolkata against the sandbox's Facebook Page and X
account: at a set rate and with a seeded random generator it

- comments on the city's published Facebook posts (`GraphSandbox.add_citizen_comment`),
- answers the city in a comment thread where the Page replied last, with a short follow-up
  ("still not fixed", "কবে হবে?"), as the citizen who opened the thread,
- mentions the X account (`XSandbox.add_mention`), sometimes as a reply to one of the city's
  own X posts, and follows up on X when the city answered a mention;
- with a WhatsApp sandbox, writes to the city's WhatsApp number
  (`WhatsAppSandbox.citizen_sends`): text in Bengali, English and Banglish, often with a
  photo (a street, or a signed complaint written on paper), a voice note (real OGG/Opus) or
  a location pin in the ward the message names, and asks how a complaint it was given a
  reference number for stands ("KMC-2026-000123 এর কী অবস্থা?").

Every message comes from the labelled corpus in ``hub/sandbox/corpus/citizen_messages.json``
(`load_corpus`), so each interaction carries the truth (department, ward, category, urgency)
a router can be measured against. The simulator may move a message to a neighbouring ward,
changing the number in the text and in the labels together.

The simulator talks to the sandbox's handles directly (it is the "outside world" of the
platforms); the hub sees its work only through the platforms' APIs.
"""

from __future__ import annotations

import json
import logging
import random
import re
import threading
import time
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import Any

import requests

from hub.platforms.x_text import weighted_length
from hub.sandbox.graph_api import GraphSandbox
from hub.sandbox.whatsapp_api import WhatsAppSandbox
from hub.sandbox.x_api import MAX_WEIGHTED_LENGTH, XSandbox
from hub.wards import WardMap

log = logging.getLogger(__name__)

CORPUS_PACKAGE = "hub.sandbox"
CORPUS_FILE = ("corpus", "citizen_messages.json")

LANGUAGES = ("bn", "en", "mixed")
CATEGORIES = ("complaint", "suggestion", "question", "praise", "spam", "other")
KMC_WARDS = range(1, 145)

# How the simulator spreads its work (shares of one interaction, not tunable per call).
FOLLOWUP_SHARE = 0.35  # when some thread awaits the citizen, how often they answer
FACEBOOK_SHARE = 0.6  # otherwise: a Facebook comment rather than an X mention
X_REPLY_TO_CITY_SHARE = 0.3  # an X mention written as a reply to one of the city's posts
X_HANDLE_AT_END_SHARE = 0.25  # "... @KMC_Kolkata" rather than the handle X puts in front
RECENT_POSTS_COMMENTED = 8  # citizens comment on the newest posts, the newest most
RECENT_POSTS_SCANNED = 20  # threads awaiting a follow-up are looked for on these posts
RECENT_CITY_TWEETS = 5
NEIGHBOUR_WARD_DISTANCE = 3

_BENGALI_DIGITS = "০১২৩৪৫৬৭৮৯"
_TO_ASCII_DIGITS = str.maketrans(_BENGALI_DIGITS, "0123456789")
_TO_BENGALI_DIGITS = str.maketrans("0123456789", _BENGALI_DIGITS)
_DIGIT = "[0-9০-৯]"
_NUMBER_WORD = r"(?:no\.?|number|nong|নং|নম্বর)"
# "ward 65", "ward no-65", "Ward No. 65", "w/65", "wd 65", "ওয়ার্ড নং ৬৫", "65 no ward",
# "৬৫ নম্বর ওয়ার্ড", "৬৫ নং ওয়ার্ডে". Not "118/27", not "Borough 10", not "2BHK".
_WARD_MENTION = re.compile(
    unicodedata.normalize(
        "NFC",
        rf"(?:\b(?:ward|wd)|\bw/|ওয়ার্ড)\s*(?:{_NUMBER_WORD}\s*)?[-:.]?\s*"
        rf"(?P<after>{_DIGIT}{{1,3}})(?!{_DIGIT})"
        rf"|(?<![0-9০-৯/])(?P<before>{_DIGIT}{{1,3}})\s*(?:{_NUMBER_WORD}\s*)?(?:ward|ওয়ার্ড)",
    ),
    re.IGNORECASE,
)

# Display names in English and Bengali, and the ASCII base of an X username.
_CITIZENS: tuple[tuple[str, str, str], ...] = (
    ("Sudipta Ghosh", "সুদীপ্ত ঘোষ", "sudipta_ghosh"),
    ("Moumita Banerjee", "মৌমিতা বন্দ্যোপাধ্যায়", "moumita_b"),
    ("Arindam Chatterjee", "অরিন্দম চট্টোপাধ্যায়", "arindam_chat"),
    ("Rina Das", "রিনা দাস", "rinadas"),
    ("Soumen Mondal", "সৌমেন মণ্ডল", "soumen_mondal"),
    ("Tanushree Sen", "তনুশ্রী সেন", "tanushree_sen"),
    ("Md. Imran Hossain", "মহম্মদ ইমরান হোসেন", "imran_hossain"),
    ("Farhana Khatun", "ফারহানা খাতুন", "farhana_k"),
    ("Sk Rafique Ali", "শেখ রফিক আলি", "sk_rafique"),
    ("Debashis Roy", "দেবাশিস রায়", "debashis_roy"),
    ("Piyali Mukherjee", "পিয়ালী মুখার্জি", "piyali_mukh"),
    ("Subhajit Dey", "শুভজিৎ দে", "subhajit_dey"),
    ("Ananya Bose", "অনন্যা বসু", "ananya_bose"),
    ("Kaushik Saha", "কৌশিক সাহা", "kaushik_saha"),
    ("Sharmila Pal", "শর্মিলা পাল", "sharmila_pal"),
    ("Bikash Naskar", "বিকাশ নস্কর", "bikash_naskar"),
    ("Rupa Sarkar", "রূপা সরকার", "rupa_sarkar"),
    ("Abhijit Bhattacharya", "অভিজিৎ ভট্টাচার্য", "abhijit_bhatta"),
    ("Madhumita Halder", "মধুমিতা হালদার", "madhu_halder"),
    ("Partha Pratim Dutta", "পার্থপ্রতিম দত্ত", "partha_dutta"),
    ("Nasreen Parveen", "নাসরিন পারভিন", "nasreen_p"),
    ("Tapas Kumar Ghosh", "তাপস কুমার ঘোষ", "tapaskghosh"),
    ("Sayantani Chakraborty", "সায়ন্তনী চক্রবর্তী", "sayantani_c"),
    ("Rahul Agarwal", "রাহুল আগরওয়াল", "rahul_agarwal"),
    ("Priya Jaiswal", "প্রিয়া জয়সওয়াল", "priya_jaiswal"),
    ("Gopal Adhikari", "গোপাল অধিকারী", "gopal_adhikari"),
    ("Shampa Biswas", "শম্পা বিশ্বাস", "shampa_biswas"),
    ("Sanjay Paul", "সঞ্জয় পাল", "sanjay_paul"),
    ("Mitali Kar", "মিতালী কর", "mitali_kar"),
    ("Arnab Majumdar", "অর্ণব মজুমদার", "arnab_majumdar"),
    ("Jayanta Sinha", "জয়ন্ত সিনহা", "jayanta_sinha"),
    ("Ruksana Begum", "রুকসানা বেগম", "ruksana_begum"),
    ("Dipankar Maity", "দীপঙ্কর মাইতি", "dipankar_maity"),
    ("Suchismita Guha", "সুচিস্মিতা গুহ", "suchi_guha"),
    ("Ranjan Kundu", "রঞ্জন কুণ্ডু", "ranjan_kundu"),
    ("Lipika Basak", "লিপিকা বসাক", "lipika_basak"),
    ("Amitabha Sengupta", "অমিতাভ সেনগুপ্ত", "amitabha_sg"),
    ("Papiya Ghoshal", "পাপিয়া ঘোষাল", "papiya_ghoshal"),
)
_X_USERNAME_MAX = 15


def load_corpus() -> list[dict[str, Any]]:
    """The packaged labelled corpus of citizen messages (a fresh list on every call).

    Each record: ``id``, ``text`` (NFC), ``language`` (bn/en/mixed), ``department`` (a code
    from departments.csv or None), ``ward`` (1-144 or None), ``category``, ``urgent`` and
    ``followup`` (a short answer to the city in a thread, e.g. "still not fixed").
    """
    source = resources.files(CORPUS_PACKAGE)
    for part in CORPUS_FILE:
        source = source.joinpath(part)
    return json.loads(source.read_text(encoding="utf-8"))


def find_ward_mentions(text: str) -> list[int]:
    """Every number written as a ward ("ward no-65", "w/65", "৬৫ নং ওয়ার্ডে"), in text order.

    Numbers outside KMC's 1-144 are returned too: callers decide what an impossible ward means.
    """
    return [
        int((match["after"] or match["before"]).translate(_TO_ASCII_DIGITS))
        for match in _WARD_MENTION.finditer(unicodedata.normalize("NFC", text))
    ]


@dataclass(frozen=True)
class SimulatedInteraction:
    """One thing a synthetic citizen did on a platform.

    `kind` is "comment" (on a Facebook post), "reply" (a follow-up in a thread the city
    answered, on Facebook or X) or "mention" (of the X account). `in_reply_to` is the post,
    comment or X post answered. `labels` are the corpus labels, true for `text`.
    """

    platform: str  # "facebook" | "x"
    platform_id: str
    kind: str  # "comment" | "reply" | "mention"
    text: str
    author: str  # Facebook display name, or X username
    labels: dict[str, Any]
    in_reply_to: str | None = None


@dataclass(frozen=True)
class _Citizen:
    display_name: str
    x_username: str
    # A made-up Indian mobile number (the sandbox's WhatsApp id for this citizen).
    wa_id: str = ""


# Of a WhatsApp citizen's messages: what comes with the words (shares of 1, in this order).
WHATSAPP_SHARE = 0.4
_WHATSAPP_SHAPES = (
    ("text", 0.45),
    ("photo", 0.15),
    ("paper", 0.1),
    ("voice", 0.12),
    ("pin", 0.1),
    ("status", 0.08),
)
_MEDIA_PACKAGE = "hub.sandbox"
_REFERENCE = re.compile(r"[A-Z]+-\d{4}-\d{6}")


@dataclass(frozen=True)
class _AwaitingThread:
    """A thread where the city spoke last, and who should answer it."""

    platform: str
    post_id: str  # Facebook post (unused on X)
    answer_to: str  # Facebook: the top comment; X: the city's reply
    author: str  # Facebook display name, or X username
    author_id: str | None


class CitizenSimulator:
    """Synthetic citizens commenting, replying and mentioning at a steady, seeded rate.

    `step(elapsed_seconds)` produces what the rate owes for that time (fractions carry over);
    `emit(count)` produces a fixed number; `start_background` runs `step` in a daemon thread.
    For one seed, one corpus and one sequence of calls on the same sandbox state, the texts,
    authors and labels are the same.
    """

    def __init__(
        self,
        graph: GraphSandbox | None,
        x: XSandbox | None,
        *,
        interactions_per_minute: float = 2.0,
        seed: int = 2026,
        corpus: list[dict[str, Any]] | None = None,
        webhook_url: str | None = None,
        ward_variation_share: float = 0.3,
        whatsapp: WhatsAppSandbox | None = None,
    ) -> None:
        if interactions_per_minute < 0:
            raise ValueError("interactions_per_minute cannot be negative")
        if not 0.0 <= ward_variation_share <= 1.0:
            raise ValueError("ward_variation_share must be between 0 and 1")
        records = load_corpus() if corpus is None else list(corpus)
        self.graph = graph
        self.x = x
        self.whatsapp = whatsapp
        self.interactions_per_minute = interactions_per_minute
        self.seed = seed
        self.webhook_url = webhook_url
        self.ward_variation_share = ward_variation_share
        self._openers = [r for r in records if not r.get("followup")]
        self._followups = [r for r in records if r.get("followup")]
        if not self._openers:
            raise ValueError("the corpus has no message that opens a conversation")
        self._fits_on_x = [
            r for r in self._openers if weighted_length(r["text"]) <= MAX_WEIGHTED_LENGTH - 20
        ] or self._openers
        self._random = random.Random(seed)
        self._citizens = self._make_citizens()
        self._owed = 0.0
        self._lock = threading.Lock()
        self._stop_event: threading.Event | None = None
        self._thread: threading.Thread | None = None

    # -- producing interactions ---------------------------------------------------------------

    def step(self, elapsed_seconds: float) -> list[SimulatedInteraction]:
        """Produce the interactions the rate owes for `elapsed_seconds`, carrying the fraction.

        At 2 per minute, ``step(30)`` gives one; ``step(20)`` none, then ``step(10)`` one.
        """
        if elapsed_seconds < 0:
            raise ValueError("elapsed_seconds cannot be negative")
        with self._lock:
            self._owed += elapsed_seconds * self.interactions_per_minute / 60.0
            due = int(self._owed + 1e-9)
            self._owed = max(0.0, self._owed - due)
            return self._produce(due)

    def emit(self, count: int) -> list[SimulatedInteraction]:
        """Produce `count` interactions now (fewer when there is nowhere to post them)."""
        if count < 0:
            raise ValueError("count cannot be negative")
        with self._lock:
            return self._produce(count)

    def _produce(self, count: int) -> list[SimulatedInteraction]:
        produced: list[SimulatedInteraction] = []
        for _ in range(count):
            if self._stop_event is not None and self._stop_event.is_set():
                break
            interaction = self._one_interaction()
            if interaction is not None:
                produced.append(interaction)
        return produced

    def _one_interaction(self) -> SimulatedInteraction | None:
        if self.whatsapp is not None and self._random.random() < WHATSAPP_SHARE:
            return self._whatsapp_message()
        posts = self._published_posts()
        awaiting = self._awaiting_threads(posts) if self._followups else []
        if awaiting and self._random.random() < FOLLOWUP_SHARE:
            return self._follow_up(self._random.choice(awaiting))
        can_comment = bool(posts)
        can_mention = self.x is not None
        if can_comment and (not can_mention or self._random.random() < FACEBOOK_SHARE):
            return self._comment(posts)
        if can_mention:
            return self._mention()
        return None

    def _comment(self, posts: list[dict[str, Any]]) -> SimulatedInteraction | None:
        assert self.graph is not None
        recent = posts[:RECENT_POSTS_COMMENTED]
        weights = [len(recent) - index for index in range(len(recent))]
        post_id = self._random.choices(recent, weights=weights)[0]["id"]
        record, text = self._opening_message(self._openers)
        citizen = self._random.choice(self._citizens)
        comment_id = self._add_comment(post_id, text, citizen.display_name, None, None)
        if comment_id is None:
            return None
        return SimulatedInteraction(
            "facebook", comment_id, "comment", text, citizen.display_name, record, post_id
        )

    def _mention(self) -> SimulatedInteraction:
        assert self.x is not None
        record, text = self._opening_message(self._fits_on_x)
        citizen = self._random.choice(self._citizens)
        handle = f"@{self.x.username}"
        reply_to = None
        city_posts = self._city_tweets()
        if city_posts and self._random.random() < X_REPLY_TO_CITY_SHARE:
            reply_to = self._random.choice(city_posts)["id"]
        elif self._random.random() < X_HANDLE_AT_END_SHARE:
            text = f"{text} {handle}"
        tweet_id = self.x.add_mention(
            text, citizen.x_username, citizen.display_name, in_reply_to_tweet_id=reply_to
        )
        if handle.lower() not in text.lower():
            text = f"{handle} {text}"  # what add_mention stored
        return SimulatedInteraction(
            "x", tweet_id, "mention", text, citizen.x_username, record, reply_to
        )

    def _follow_up(self, thread: _AwaitingThread) -> SimulatedInteraction | None:
        record = self._labels(self._random.choice(self._followups))
        text = record.pop("text")
        if thread.platform == "facebook":
            comment_id = self._add_comment(
                thread.post_id, text, thread.author, thread.author_id, thread.answer_to
            )
            if comment_id is None:
                return None
            return SimulatedInteraction(
                "facebook", comment_id, "reply", text, thread.author, record, thread.answer_to
            )
        assert self.x is not None
        tweet_id = self.x.add_mention(text, thread.author, in_reply_to_tweet_id=thread.answer_to)
        handle = f"@{self.x.username}"
        if handle.lower() not in text.lower():
            text = f"{handle} {text}"
        return SimulatedInteraction(
            "x", tweet_id, "reply", text, thread.author, record, thread.answer_to
        )

    def _whatsapp_message(self) -> SimulatedInteraction:
        """A citizen writes to the city's WhatsApp number: words, and often more."""
        assert self.whatsapp is not None
        wa = self.whatsapp
        citizen = self._random.choice(self._citizens)
        roll, shape = self._random.random(), "text"
        for name, share in _WHATSAPP_SHAPES:
            if roll < share:
                shape = name
                break
            roll -= share
        if shape == "status":
            reference = self._reference_given_to(citizen.wa_id)
            if reference is not None:
                text = self._random.choice(
                    (
                        f"{reference} এর কী অবস্থা?",
                        f"What is the status of {reference}?",
                        f"{reference} ki holo? kono update nei",
                    )
                )
                message_id = wa.citizen_sends(citizen.wa_id, citizen.display_name, text=text)
                return SimulatedInteraction(
                    "whatsapp", message_id, "message", text, citizen.wa_id, {"status": True}
                )
            shape = "text"
        record, text = self._opening_message(self._openers)
        name = citizen.display_name
        if shape == "paper":
            # Only the photo of the signed paper complaint, no words: as many do.
            message_id = wa.citizen_sends(
                citizen.wa_id, name, image=(_media("handwritten_complaint.jpg"), "image/jpeg")
            )
            return SimulatedInteraction(
                "whatsapp", message_id, "message", "", citizen.wa_id, record
            )
        message_id = wa.citizen_sends(citizen.wa_id, name, text=text)
        if shape == "photo":
            wa.citizen_sends(citizen.wa_id, name, image=(_media("pothole.jpg"), "image/jpeg"))
        elif shape == "voice":
            voice = "voice_bn.ogg" if record.get("language") == "bn" else "voice_en.ogg"
            wa.citizen_sends(citizen.wa_id, name, audio=(_media(voice), "audio/ogg; codecs=opus"))
        elif shape == "pin" and record.get("ward"):
            ward = next((w for w in _ward_map().wards if w.number == record["ward"]), None)
            if ward is not None:
                wa.citizen_sends(
                    citizen.wa_id,
                    name,
                    location=(ward.label_latitude, ward.label_longitude, "here"),
                )
        return SimulatedInteraction("whatsapp", message_id, "message", text, citizen.wa_id, record)

    def _reference_given_to(self, wa_id: str) -> str | None:
        """A reference number the city sent this citizen, if any."""
        assert self.whatsapp is not None
        for message in reversed(self.whatsapp.conversation(wa_id)):
            found = (
                _REFERENCE.search(message["text"] or "") if message["direction"] == "out" else None
            )
            if found:
                return found.group(0)
        return None

    # -- messages -----------------------------------------------------------------------------

    def _opening_message(self, pool: list[dict[str, Any]]) -> tuple[dict[str, Any], str]:
        """A corpus record's labels and its text, sometimes moved to a neighbouring ward."""
        record = self._labels(self._random.choice(pool))
        text = record.pop("text")
        if record["ward"] is not None and self._random.random() < self.ward_variation_share:
            text, record["ward"] = self._neighbouring_ward(text, record["ward"])
        return record, text

    @staticmethod
    def _labels(record: dict[str, Any]) -> dict[str, Any]:
        return {
            "corpus_id": record.get("id"),
            "text": unicodedata.normalize("NFC", record["text"]),
            "language": record.get("language"),
            "department": record.get("department"),
            "ward": record.get("ward"),
            "category": record.get("category"),
            "urgent": bool(record.get("urgent")),
            "followup": bool(record.get("followup")),
        }

    def _neighbouring_ward(self, text: str, ward: int) -> tuple[str, int]:
        """The same message from a ward nearby: every ward mention changes, in its own script.

        Left alone when the text names no ward, or names one that is not the labelled ward.
        """
        matches = list(_WARD_MENTION.finditer(text))
        numbers = [int((m["after"] or m["before"]).translate(_TO_ASCII_DIGITS)) for m in matches]
        if not matches or any(number != ward for number in numbers):
            return text, ward
        nearby = [
            candidate
            for candidate in range(
                ward - NEIGHBOUR_WARD_DISTANCE, ward + NEIGHBOUR_WARD_DISTANCE + 1
            )
            if candidate in KMC_WARDS and candidate != ward
        ]
        new_ward = self._random.choice(nearby)
        for match in reversed(matches):
            group = "after" if match["after"] else "before"
            start, end = match.span(group)
            written = str(new_ward)
            if any(ch in _BENGALI_DIGITS for ch in match[group]):
                written = written.translate(_TO_BENGALI_DIGITS)
            text = text[:start] + written + text[end:]
        return text, new_ward

    def _make_citizens(self) -> list[_Citizen]:
        """The recurring citizens: a display name in one script, an ASCII X username."""
        citizens = []
        for english, bengali, handle in _CITIZENS:
            display = bengali if self._random.random() < 0.4 else english
            suffix = "" if self._random.random() < 0.3 else str(self._random.randint(1, 99))
            username = handle[: _X_USERNAME_MAX - len(suffix)] + suffix
            # From the handle, not the generator: the other draws stay as they were.
            number = "9198" + str(int.from_bytes(handle.encode(), "big") % 10**8).zfill(8)
            citizens.append(_Citizen(unicodedata.normalize("NFC", display), username, number))
        return citizens

    # -- reading the sandbox --------------------------------------------------------------------

    def _published_posts(self) -> list[dict[str, Any]]:
        """The Page's published posts, newest first (none without a Graph sandbox)."""
        if self.graph is None:
            return []
        return [post for post in self.graph.list_posts() if post.get("is_published")]

    def _awaiting_threads(self, posts: list[dict[str, Any]]) -> list[_AwaitingThread]:
        threads = self._facebook_threads_awaiting(posts)
        if self.x is not None:
            threads += self._x_threads_awaiting()
        return threads

    def _facebook_threads_awaiting(self, posts: list[dict[str, Any]]) -> list[_AwaitingThread]:
        """Comment threads where the Page replied last: the citizen may answer there."""
        assert self.graph is not None or not posts
        awaiting = []
        for post in posts[:RECENT_POSTS_SCANNED]:
            comments = self.graph.list_comments(post["id"])
            last_in_thread: dict[str, dict[str, Any]] = {}
            for comment in comments:  # oldest first
                parent = comment.get("parent")
                if parent:
                    last_in_thread[parent["id"]] = comment
            for comment in comments:
                author = comment["from"]
                last = last_in_thread.get(comment["id"])
                if (
                    comment.get("parent") is None
                    and author["id"] != self.graph.page_id
                    and last is not None
                    and last["from"]["id"] == self.graph.page_id
                ):
                    awaiting.append(
                        _AwaitingThread(
                            "facebook", post["id"], comment["id"], author["name"], author["id"]
                        )
                    )
        return awaiting

    def _x_threads_awaiting(self) -> list[_AwaitingThread]:
        """The city's X replies to a citizen's mention that the citizen has not answered."""
        assert self.x is not None
        mentions = self.x.list_mentions()
        by_id = {mention["id"]: mention for mention in mentions}
        answered = {m["in_reply_to_tweet_id"] for m in mentions if m["in_reply_to_tweet_id"]}
        awaiting = []
        for tweet in reversed(self.x.list_timeline()):  # oldest first, as on Facebook
            original = by_id.get(tweet["in_reply_to_tweet_id"] or "")
            if original is not None and tweet["id"] not in answered:
                awaiting.append(
                    _AwaitingThread("x", "", tweet["id"], original["author_username"], None)
                )
        return awaiting

    def _city_tweets(self) -> list[dict[str, Any]]:
        """The city's newest own X posts that are not replies."""
        assert self.x is not None
        own = [t for t in self.x.list_timeline() if t["in_reply_to_tweet_id"] is None]
        return own[:RECENT_CITY_TWEETS]

    def _add_comment(
        self,
        post_id: str,
        text: str,
        author_name: str,
        author_id: str | None,
        parent_id: str | None,
    ) -> str | None:
        """Add a comment through the Graph sandbox; None when the post or thread is gone."""
        assert self.graph is not None
        try:
            return self.graph.add_citizen_comment(
                post_id,
                text,
                author_name,
                author_id=author_id,
                parent_id=parent_id,
                webhook_url=self.webhook_url,
            )
        except ValueError:
            log.info("post %s or comment %s disappeared; comment skipped", post_id, parent_id)
            return None
        except requests.RequestException as exc:
            # The comment is stored; only the webhook to the hub failed (the hub polls too).
            log.warning("webhook to %s failed: %s", self.webhook_url, exc)
            for comment in reversed(self.graph.list_comments(post_id)):
                if comment["message"] == text and comment["from"]["name"] == author_name:
                    return comment["id"]
            return None

    # -- running in the background --------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the background thread is running."""
        return self._thread is not None and self._thread.is_alive()

    def start_background(self, interval_seconds: float = 5.0) -> None:
        """Call `step` every `interval_seconds` in a daemon thread until `stop`."""
        if interval_seconds <= 0:
            raise ValueError("interval_seconds must be positive")
        if self.running:
            raise RuntimeError("the citizen simulator is already running")
        stop_event = threading.Event()
        self._stop_event = stop_event
        self._thread = threading.Thread(
            target=self._run,
            args=(interval_seconds, stop_event),
            name="citizen-simulator",
            daemon=True,
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the background thread (a no-op when it is not running)."""
        if self._stop_event is not None:
            self._stop_event.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("the citizen simulator did not stop within %.1f s", timeout)
                return
        self._thread = None
        self._stop_event = None

    def _run(self, interval_seconds: float, stop_event: threading.Event) -> None:
        last = time.monotonic()
        while not stop_event.wait(interval_seconds):
            now = time.monotonic()
            try:
                self.step(now - last)
            except Exception:  # the sandbox may be closing; keep the thread alive until stop
                log.exception("the citizen simulator's step failed")
            last = now


__all__ = [
    "CATEGORIES",
    "LANGUAGES",
    "CitizenSimulator",
    "SimulatedInteraction",
    "find_ward_mentions",
    "load_corpus",
]


def _media(name: str) -> bytes:
    """One of the simulator's attachments (hub/sandbox/media)."""
    return resources.files(_MEDIA_PACKAGE).joinpath(f"media/{name}").read_bytes()


def _ward_map() -> WardMap:
    return WardMap.shipped()
