"""X's weighted length against twitter-text's own conformance cases (config v3, issue 12).

The cases are the groups `WeightedTweetsWithDiscountedEmojiCounterTest` and
`UnicodeDirectionalMarkerCounterTest` of twitter-text's `conformance/validate.yml`, shipped as
`tests/data/twitter_text_conformance.json` with the project's Apache 2.0 licence beside it.
The hand-written count this replaced failed 4 of these 24.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.platforms.x_text import fits_on_x, weighted_length

DATA = Path(__file__).parents[1] / "data" / "twitter_text_conformance.json"
CASES = [
    pytest.param(case, id=f"{group}: {case['description']}")
    for group, cases in json.loads(DATA.read_text(encoding="utf-8"))["groups"].items()
    for case in cases
]


def test_both_groups_are_shipped_whole():
    assert len(CASES) == 24


@pytest.mark.parametrize("case", CASES)
def test_weighted_length_and_validity_match_twitter_text(case):
    assert weighted_length(case["text"]) == case["weightedLength"]
    assert fits_on_x(case["text"]) is case["valid"]
