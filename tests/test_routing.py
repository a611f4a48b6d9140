"""Routing of citizens' messages: each rule on its own, then accuracy on two labelled sets.

The evaluation reads the simulator's corpus (the rules were tuned on it) and the held-out set
in tests/data/routing_labelled.json (written before the rules, never tuned on), prints a
table (``pytest -s`` shows it) and fails when the held-out figures fall below floors set a
few points under what was measured.
"""

from __future__ import annotations

import json
import time
import unicodedata
from dataclasses import FrozenInstanceError, replace
from pathlib import Path

import pytest

from hub.departments import Department, parse_departments_csv
from hub.i18n import translate
from hub.routing import CATEGORIES, LANGUAGES, Router, RoutingDecision

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEPARTMENTS_FILE = PROJECT_ROOT / "departments.csv"
HELD_OUT_FILE = PROJECT_ROOT / "tests" / "data" / "routing_labelled.json"
SIMULATOR_CORPUS_FILE = PROJECT_ROOT / "hub" / "sandbox" / "corpus" / "citizen_messages.json"

# Floors for the held-out set, a few points under the figures measured when the set was
# first routed (department 0.914, ward 1.000, language 0.992, category 0.953, urgent
# precision 0.90 and recall 0.90). A rule change that loses more than that fails here.
HELD_OUT_FLOORS = {
    "department": 0.88,
    "ward": 0.96,
    "language": 0.96,
    "category": 0.91,
    "urgent_precision": 0.85,
    "urgent_recall": 0.85,
}
# The rules were tuned on the simulator corpus, so it scores higher; its floors only catch
# a rule that breaks what it was built for.
CORPUS_FLOORS = {
    "department": 0.95,
    "ward": 0.97,
    "language": 0.97,
    "category": 0.92,
    "urgent_precision": 0.9,
    "urgent_recall": 0.9,
}


@pytest.fixture(scope="module")
def departments() -> list[Department]:
    return parse_departments_csv(DEPARTMENTS_FILE.read_bytes())


@pytest.fixture(scope="module")
def router(departments: list[Department]) -> Router:
    return Router(departments)


def load_labelled(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))


# -- ward numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ward"),
    [
        ("Garbage everywhere, ward 65.", 65),
        ("Drain choked, ward no-65 Park Circus", 65),
        ("Street light out. Ward No. 65", 65),
        ("ward no 65 e jol nei", 65),
        ("Ward No: 65 - no water", 65),
        ("tap water e poka, w/65", 65),
        ("wd 65 garbage van missing", 65),
        ("ward-65 pothole", 65),
        ("Ward no.139 tube well kharap", 139),
        ("65 no ward e jol jome ache", 65),
        ("47 number ward e vat", 47),
        ("৬৫ নম্বর ওয়ার্ডে জল জমে আছে", 65),
        ("ওয়ার্ড নং ৬৫, জল নেই", 65),
        ("৬৫ নং ওয়ার্ডে ময়লা", 65),
        ("ওয়ার্ড ১২-র টিউবওয়েল খারাপ", 12),
        ("ওয়ার্ড নং ১৫-তে জল নেই", 15),
        ("Ward ১৩৩ e masha", 133),
        ("৩০ no ward e ghola jol", 30),
        ("ward 1 and ward 144 both", 1),
    ],
)
def test_ward_forms_in_both_scripts(router: Router, text: str, ward: int) -> None:
    decision = router.route(text)
    assert decision.ward == ward
    assert decision.ward_evidence is not None
    assert decision.ward_evidence in unicodedata.normalize("NFC", text)


@pytest.mark.parametrize(
    "text",
    [
        "Earn Rs 5000 daily, WhatsApp 7439012288",  # phone number
        "manhole cover broken at 12/3B Gariahat Road South",  # house number
        "Applied in 2023, still no birth certificate",  # year
        "Parking attendant took Rs 65 for an hour",  # amount
        "Light flickering on lamp post no. 118/27",  # lamp post number
        "death cert er jonno borough office e gelam, Borough 10",  # borough
        "Ward 187 Kasba, drain overflowing",  # outside 1-144
        "ward 0 garbage",  # outside 1-144
        "Salt Lake CF block e 3 din jol nei, ward 35.",  # another municipality
        "সল্টলেকের এফডি ব্লকে জল নেই, ১৮ নম্বর ওয়ার্ড।",  # another municipality, inflected
        "Rajpur Sonarpur ward 28 e rasta bhanga",  # another municipality
        "৯৮৩১০ ৪৫৬৭৮ নম্বরে ফোন করেও কেউ ধরে না",  # phone, then নম্বর without ওয়ার্ড
        "2BHK flat for sale, 35 lakh",  # not a ward at all
    ],
)
def test_numbers_that_are_not_kmc_wards(router: Router, text: str) -> None:
    decision = router.route(text)
    assert decision.ward is None
    assert decision.ward_evidence is None


def test_a_lamp_post_number_does_not_hide_the_ward(router: Router) -> None:
    decision = router.route("Light flickering on lamp post no. 118/27. Ward 127")
    assert decision.ward == 127


def test_ward_range_is_configurable(departments: list[Department]) -> None:
    small_city = Router(departments, ward_range=(1, 100))
    assert small_city.route("ward 120 drain choked").ward is None
    assert small_city.route("ward 99 drain choked").ward == 99
    with pytest.raises(ValueError):
        Router(departments, ward_range=(10, 1))


# -- departments: keywords, boundaries, inflections ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("No water in the tap since morning", "WATER"),
        ("Huge pothole near the crossing", "ROADS"),
        ("কলের জল ঘোলা আসছে", "WATER"),
        ("ম্যানহোলের ঢাকনা নেই", "DRAIN"),  # inflected: -ের
        ("গড়িয়াহাট বাজারে ছাদ দিয়ে জল পড়ে", "MARKET"),  # -এ on a consonant
        ("তিলজলার বস্তিতে একটাই কল", "BUSTEE"),  # -তে
        ("মেয়রকে সরাসরি জানাতে চাই", "SECY"),  # -কে
        ("পার্কের দোলনা ভাঙা", "PARKS"),  # -ের
        ("পার্কিং ফি বেশি নিচ্ছে", "PARKING"),  # not পার্ক followed by -িং
        ("the drains are choked", "DRAIN"),  # English plural
    ],
)
def test_keywords_in_both_languages_with_inflections(router: Router, text: str, code: str) -> None:
    assert router.route(text).department_code == code


def test_park_inside_parking_does_not_count(router: Router) -> None:
    english = router.route("No parking space near the market, parking attendant rude")
    assert english.department_code == "PARKING"
    assert "park" not in english.department_evidence
    bengali = router.route("পার্কিং নিয়ে সমস্যা")
    assert bengali.department_code == "PARKING"
    assert "পার্ক" not in bengali.department_evidence


def test_a_keyword_inside_a_longer_word_does_not_match(router: Router) -> None:
    # "app" in "whatsapp", পিচ in পিচ্ছিল, "tap" in "tape": no IT, ROADS or WATER here.
    assert router.route("send it on whatsapp").department_code is None
    assert router.route("মেঝে সবসময় পিচ্ছিল").department_code is None
    assert router.route("I need some tape").department_code is None


def test_known_place_names_do_not_route_on_the_word_inside(router: Router) -> None:
    decision = router.route("DJ playing till 2 am in Park Circus, noise pollution")
    assert decision.department_code == "ENV"
    assert "park" not in decision.department_evidence
    assert router.route("পার্ক সার্কাসে বেআইনি নির্মাণ চলছে").department_code == "BUILD"


def test_nfc_and_zero_width_joiners_do_not_matter(router: Router) -> None:
    decomposed = unicodedata.normalize("NFD", "৬৫ নম্বর ওয়ার্ডে ম্যানহোলের ঢাকনা নেই")
    decision = router.route(decomposed)
    assert (decision.department_code, decision.ward) == ("DRAIN", 65)
    with_joiner = "ম্যান\u200dহোলের ঢাকনা নেই"
    assert router.route(with_joiner).department_code == "DRAIN"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("kal theke jol nei, ranna korte parchi na", "WATER"),
        ("amader parar rasta te jol jome ache 2 din dhore", "DRAIN"),
        ("moyla pore ache rastay, keu tole na", "SWM"),
        ("rasta bhanga, auto cholte pare na", "ROADS"),
        ("gali te alo jolche na 1 mash", "LIGHT"),
        ("mosha r jonno ghumote parchi na", "VECTOR"),
    ],
)
def test_builtin_banglish_keywords(router: Router, text: str, code: str) -> None:
    assert router.route(text).department_code == code


def test_builtin_keywords_need_their_department(departments: list[Department]) -> None:
    water_only = Router([d for d in departments if d.code == "WATER"])
    assert water_only.route("moyla pore ache").department_code is None
    assert water_only.route("jol nei").department_code == "WATER"


def test_inactive_departments_are_left_out(departments: list[Department]) -> None:
    without_parks = Router(
        [replace(d, active=False) if d.code == "PARKS" else d for d in departments]
    )
    assert without_parks.route("The swing in the children park is broken").department_code is None


def test_unknown_topic_goes_to_the_it_queue(router: Router) -> None:
    decision = router.route("My neighbour's cat keeps sitting on my scooter")
    assert decision.department_code is None
    assert decision.department_evidence == ()
    assert "IT team's queue" in decision.explanation


def test_department_named_first_wins_a_close_call(router: Router) -> None:
    decision = router.route("dead dog lying on the road near the crossing since morning")
    assert decision.department_code == "SWM"


# -- category ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Garbage not collected for 5 days in our lane.", "complaint"),
        ("When will the road repair on our lane be finished?", "question"),
        ("নিকাশি নালা সাফাই কবে হবে জানতে চাই।", "question"),
        ("water meter kobe lagano hobe amader building e?", "question"),
        ("Drain overflowing for a week. Who is responsible?", "complaint"),
        ("Please install LED street lights in our lane.", "suggestion"),
        ("KMC should publish ward wise dengue numbers.", "suggestion"),
        ("রাস্তা সারাইয়ের কাজ রাতে করা উচিত।", "suggestion"),
        ("Thank you KMC, the garbage was cleared within hours!", "praise"),
        ("ধন্যবাদ", "praise"),
        ("Earn Rs 5000 daily from home!! WhatsApp 7439012288", "spam"),
        ("Bitcoin doubling scheme t.me/cryptoking", "spam"),
        ("Follow me for more, follow back 100%", "spam"),
        ("আমার চ্যানেলটা সাবস্ক্রাইব করুন", "spam"),
        ("Train cancelled again on the south section", "other"),
    ],
)
def test_categories(router: Router, text: str, category: str) -> None:
    decision = router.route(text)
    assert decision.category == category
    assert decision.category in CATEGORIES


def test_spam_praise_and_other_get_no_department(router: Router) -> None:
    spam = router.route("Get rid of mosquitoes! Mosquito machine 50% off, order now www.mosq.in")
    assert (spam.category, spam.department_code) == ("spam", None)
    praise = router.route("Thank you KMC 🙏")
    assert (praise.category, praise.department_code) == ("praise", None)
    insult = router.route("KMC is useless and corrupt, all councillors are thieves. Vote them out")
    assert (insult.category, insult.department_code) == ("other", None)


def test_praise_about_a_service_keeps_its_department(router: Router) -> None:
    decision = router.route("Road in front of our para got fresh bitumen today. Thanks KMC!")
    assert (decision.category, decision.department_code) == ("praise", "ROADS")


def test_other_municipalities_are_other_without_department(router: Router) -> None:
    decision = router.route("Howrah ward 12 e jol nei 2 din")
    assert (decision.category, decision.department_code, decision.ward) == ("other", None, None)
    assert "outside KMC" in decision.explanation


# -- urgency -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Fire broke out in the fish section of the market!",
        "বড়বাজারে গুদামে আগুন লেগেছে!",
        "Tiljala basti te agun legeche!!",
        "Live wire lying in the water on the road",
        "জমা জলের মধ্যে বিদ্যুতের তার ছিঁড়ে পড়ে আছে!",
        "Strong smell of gas in our building",
        "Big tree fell across the road, one car crushed",
        "ঝড়ে গাছ ভেঙে পড়েছে বাড়ির উপর",
        "Building collapse, people trapped under debris",
        "Water entering ground floor houses, elderly stuck inside",
    ],
)
def test_urgent_terms(router: Router, text: str) -> None:
    decision = router.route(text)
    assert decision.urgent
    assert decision.urgency_evidence
    assert decision.category == "complaint"


def test_not_urgent(router: Router) -> None:
    assert not router.route("Street light not working for a week").urgent
    assert not router.route("Boundary wall collapsed last month. Nobody hurt.").urgent
    assert not router.route("Fire sale! 50% off, call 9831012345").urgent  # spam


def test_urgency_terms_are_configurable(departments: list[Department]) -> None:
    snakes = Router(departments, urgency_terms=("snake", "সাপ"))
    assert snakes.route("A snake in the children park!").urgent
    assert snakes.route("পার্কে সাপ বেরিয়েছে").urgent
    assert not snakes.route("Fire broke out in the market").urgent


# -- language ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("গলির নর্দমা উপচে নোংরা জল বাড়ির ভেতরে ঢুকছে।", "bn"),
        ("২০২৩ সাল থেকে আমাদের গলিতে একটাও ডাস্টবিন নেই।", "bn"),
        ("কেএমসির ওয়েবসাইট খুলছে না, KMC কিছু করুক।", "bn"),  # an acronym alone
        ("Garbage not collected for 5 days in our lane.", "en"),
        ("Road in front of our para got fresh bitumen today.", "en"),  # one loan word
        ("আমাদের লেনে drain cover ভেঙে গেছে", "mixed"),
        ("amader parar rasta te jol jome ache", "mixed"),
        ("kobe asben?", "mixed"),
        ("ekhono kichu hoyni", "mixed"),
    ],
)
def test_language(router: Router, text: str, language: str) -> None:
    assert router.route(text).language == language


# -- the decision as a whole ---------------------------------------------------------------------


def test_explanation_names_the_evidence(router: Router) -> None:
    decision = router.route("জল নেই তিন দিন, ৬৫ নম্বর ওয়ার্ড। Live wire পড়ে আছে রাস্তায়!")
    assert decision.department_code == "WATER"
    assert "Water Supply" in decision.explanation
    assert "'জল নেই'" in decision.explanation
    assert "ward 65 from '৬৫ নম্বর ওয়ার্ড'" in decision.explanation
    assert "urgent: 'live wire'" in decision.explanation


def test_the_explanation_reads_in_bengali_with_the_words_as_written(router: Router) -> None:
    decision = router.route("জল নেই তিন দিন, ৬৫ নম্বর ওয়ার্ড। Live wire পড়ে আছে রাস্তায়!")
    bengali = decision.explanation.translated(lambda message: translate(message, "bn"))
    parts = bengali.split("; ")
    assert parts[0].startswith("Water Supply: মিলেছে 'জল নেই'")
    assert parts[1] == "'৬৫ নম্বর ওয়ার্ড' থেকে ওয়ার্ড 65"
    assert parts[2] == "জরুরি: 'live wire'"
    assert parts[3].startswith("অভিযোগ (")
    unrouted = router.route("হ্যালো, কেমন আছেন?")
    assert unrouted.explanation.translated(lambda message: translate(message, "bn")).startswith(
        "আইটি টিমের কিউ"
    )


def test_decision_is_frozen_with_bounded_confidence(router: Router) -> None:
    decision = router.route("Garbage not collected, ward 104")
    assert isinstance(decision, RoutingDecision)
    assert 0.0 <= decision.confidence <= 1.0
    with pytest.raises(FrozenInstanceError):
        decision.ward = 5  # type: ignore[misc]
    clear = router.route("birth certificate name correction pending")
    close = router.route("drain near the new market choked")
    assert clear.confidence > close.confidence


def test_route_is_a_pure_function_of_the_text(router: Router) -> None:
    text = "Ward 83: water entering houses, elderly people stuck inside!"
    assert router.route(text) == router.route(text)


def test_empty_text(router: Router) -> None:
    decision = router.route("")
    assert decision.department_code is None
    assert decision.ward is None
    assert decision.language in LANGUAGES


# -- the held-out set itself ---------------------------------------------------------------------


def test_held_out_set_is_complete_and_well_formed(departments: list[Department]) -> None:
    records = load_labelled(HELD_OUT_FILE)
    codes = {d.code for d in departments}
    assert len(records) >= 220
    assert len({r["id"] for r in records}) == len(records)
    for record in records:
        assert record["text"] == unicodedata.normalize("NFC", record["text"])
        assert record["language"] in LANGUAGES
        assert record["category"] in CATEGORIES
        assert record["department"] is None or record["department"] in codes
        assert record["ward"] is None or 1 <= record["ward"] <= 144
        assert record["followup"] is False
    languages = [r["language"] for r in records]
    for language in LANGUAGES:
        assert languages.count(language) >= len(records) // 4
    for code in codes:
        assert sum(r["department"] == code for r in records) >= 2, code
    assert sum(r["ward"] is not None for r in records) >= 60
    assert sum(r["urgent"] for r in records) >= 15
    for category in ("spam", "praise"):
        assert sum(r["category"] == category for r in records) >= 15


# -- accuracy and throughput -----------------------------------------------------------------


def evaluate(router: Router, records: list[dict]) -> dict[str, float]:
    """Share of exact answers per field, and precision and recall of `urgent`."""
    right = dict.fromkeys(("department", "ward", "language", "category"), 0)
    by_language = {language: [0, 0] for language in LANGUAGES}
    true_positive = false_positive = false_negative = 0
    for record in records:
        decision = router.route(record["text"])
        answers = {
            "department": decision.department_code,
            "ward": decision.ward,
            "language": decision.language,
            "category": decision.category,
        }
        for field in right:
            right[field] += answers[field] == record[field]
        by_language[record["language"]][0] += decision.department_code == record["department"]
        by_language[record["language"]][1] += 1
        true_positive += decision.urgent and record["urgent"]
        false_positive += decision.urgent and not record["urgent"]
        false_negative += record["urgent"] and not decision.urgent
    figures = {field: count / len(records) for field, count in right.items()}
    figures["urgent_precision"] = true_positive / max(1, true_positive + false_positive)
    figures["urgent_recall"] = true_positive / max(1, true_positive + false_negative)
    for language, (correct, total) in by_language.items():
        figures[f"department_{language}"] = correct / max(1, total)
    return figures


def messages_per_second(router: Router, texts: list[str], *, rounds: int = 3) -> float:
    """Best of a few passes, in CPU time of this process: one core, whatever else runs."""
    best = 0.0
    for _ in range(rounds):
        started = time.process_time()
        for text in texts:
            router.route(text)
        best = max(best, len(texts) / (time.process_time() - started))
    return best


def test_accuracy_on_labelled_sets_and_throughput(router: Router) -> None:
    held_out = load_labelled(HELD_OUT_FILE)
    corpus = load_labelled(SIMULATOR_CORPUS_FILE)
    results = {
        f"held-out ({len(held_out)})": evaluate(router, held_out),
        f"simulator ({len(corpus)})": evaluate(router, corpus),
    }
    columns = [
        ("department", "dept"),
        ("department_bn", "dept bn"),
        ("department_en", "dept en"),
        ("department_mixed", "dept mx"),
        ("ward", "ward"),
        ("language", "lang"),
        ("category", "category"),
        ("urgent_precision", "urg P"),
        ("urgent_recall", "urg R"),
    ]
    lines = ["", f"{'set':17}" + "".join(f"{title:>9}" for _, title in columns)]
    for name, figures in results.items():
        lines.append(f"{name:17}" + "".join(f"{figures[key]:9.3f}" for key, _ in columns))
    texts = [record["text"] for record in held_out + corpus] * 20
    rate = messages_per_second(router, texts)
    lines.append(f"throughput: {rate:,.0f} messages/second over {len(texts):,} messages")
    print("\n".join(lines))

    held_out_figures = results[f"held-out ({len(held_out)})"]
    corpus_figures = results[f"simulator ({len(corpus)})"]
    for field, floor in HELD_OUT_FLOORS.items():
        assert held_out_figures[field] >= floor, f"held-out {field} fell below {floor}"
    for field, floor in CORPUS_FLOORS.items():
        assert corpus_figures[field] >= floor, f"simulator corpus {field} fell below {floor}"


def test_confidence_is_low_when_nothing_was_recognised(router: Router) -> None:
    assert router.route("hello").confidence < router.route("Thank you KMC").confidence
