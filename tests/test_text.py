"""hub.text: bidirectional controls shown as tags, the same in Python and in DuckDB."""

from __future__ import annotations

import duckdb
import pytest

from hub.text import BIDI_CONTROLS, visible_bidi_controls, visible_bidi_controls_sql


@pytest.mark.parametrize(
    "text",
    [
        "plain ascii",
        "জল নেই",
        "photo\u202egnp.exe",
        "".join(BIDI_CONTROLS),
        "\u061cمرحبا\u2066x\u2069",
        "ZWJ ক্\u200dষ and marks \u200e\u200f stay",
    ],
)
def test_python_and_sql_agree(text):
    with duckdb.connect() as connection:
        shown = connection.execute(f"SELECT {visible_bidi_controls_sql('$1')}", [text]).fetchone()
    assert shown[0] == visible_bidi_controls(text)


def test_every_control_becomes_its_tag_and_nothing_else_changes():
    shown = visible_bidi_controls("a" + "".join(BIDI_CONTROLS) + "জ\u200d")
    assert shown == "a" + "".join(BIDI_CONTROLS.values()) + "জ\u200d"
    assert not any(character in shown for character in BIDI_CONTROLS)
