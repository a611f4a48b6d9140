"""X's weighted length (twitter-text config v3), as the X adapter checks it before posting."""

from __future__ import annotations

import unicodedata

import pytest

from hub.platforms.x_text import MAX_WEIGHTED_LENGTH, fits_on_x, weighted_length


def test_latin_text_counts_one_per_character():
    assert weighted_length("Water supply restored in Ward 58.") == 33


def test_bengali_counts_one_per_code_point():
    text = "জল সরবরাহ বন্ধ থাকবে"  # "water supply will be off"
    assert weighted_length(text) == len(unicodedata.normalize("NFC", text))


def test_devanagari_counts_one_per_code_point():
    assert weighted_length("नमस्ते") == 6


def test_cjk_counts_two_per_character():
    assert weighted_length("加尔各答") == 8


def test_light_punctuation_ranges_count_one():
    # En dash, curly quotes and prime marks are in the ranges that weigh 1; the bullet is not.
    assert weighted_length("\u2013\u201c\u201d\u2032") == 4
    assert weighted_length("\u2022") == 2


def test_text_is_measured_after_nfc_normalisation():
    decomposed = "e\u0301"  # e + combining acute: one code point after NFC
    assert weighted_length(decomposed) == 1


@pytest.mark.parametrize(
    "url",
    [
        "https://www.kmcgov.in/KMCPortal/jsp/KMCPortalHome1.jsp",
        "http://example.com",
        "kmcgov.in/notice?id=1234567890123456789012345",
        "www.example.org",
    ],
)
def test_every_url_counts_twenty_three(url):
    assert weighted_length(url) == 23
    assert weighted_length(f"See {url} today") == 4 + 23 + 6


def test_sentence_punctuation_after_a_url_is_not_part_of_it():
    assert weighted_length("Read https://kmcgov.in/a.") == 5 + 23 + 1


def test_email_address_is_not_counted_as_a_link():
    assert weighted_length("mail@kmc.gov.in") == len("mail@kmc.gov.in")


@pytest.mark.parametrize(
    ("emoji", "description"),
    [
        ("😀", "single emoji"),
        ("👍🏽", "skin tone modifier"),
        ("👩‍🚒", "ZWJ sequence: woman firefighter"),
        ("👨‍👩‍👧‍👦", "ZWJ family of four"),
        ("🇮🇳", "flag of India"),
        ("❤️", "heart with variation selector"),
        ("1️⃣", "keycap"),
        ("🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f", "tag flag"),
    ],
)
def test_each_emoji_sequence_counts_two(emoji, description):
    assert weighted_length(emoji) == 2, description


def test_emoji_between_words_count_two_each():
    assert weighted_length("ok 👍🏽👍🏽 done") == 3 + 4 + 5


def test_fits_on_x_at_the_limit_and_one_over():
    assert fits_on_x("a" * MAX_WEIGHTED_LENGTH)
    assert not fits_on_x("a" * (MAX_WEIGHTED_LENGTH + 1))
    assert fits_on_x("漢" * 140)
    assert not fits_on_x("漢" * 141)


def test_bengali_post_of_280_code_points_fits():
    assert fits_on_x("ক" * 280)
    assert not fits_on_x("ক" * 281)
