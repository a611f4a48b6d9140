"""Subscription commands in English, Bengali and Banglish: a labelled set, read exactly."""

from __future__ import annotations

import pytest

from hub.commands import department_aliases, read_command

ALIASES = department_aliases(
    [
        ("WATER", "Water Supply", "জল সরবরাহ"),
        ("ROADS", "Roads", "রাস্তা"),
        ("SWM", "Solid Waste Management", "কঠিন বর্জ্য ব্যবস্থাপনা"),
    ]
)

# (message, what it is: the command's summary, or None for a message that is not a command)
LABELLED = [
    ("SUBSCRIBE 65", "subscribe:65"),
    ("subscribe 65", "subscribe:65"),
    ("Subscribe ward 65", "subscribe:65"),
    ("SUBSCRIBE 65 66 67", "subscribe:65,66,67"),
    ("subscribe 65, 66", "subscribe:65,66"),
    ("subscribe 60-62", "subscribe:60,61,62"),
    ("SUBSCRIBE 60 - 62 88", "subscribe:60,61,62,88"),
    ("subscribe ward no 7", "subscribe:7"),
    ("JOIN 12", "subscribe:12"),
    ("যোগ ৬৫", "subscribe:65"),
    ("যোগ ৬৫ ৬৬", "subscribe:65,66"),
    ("যোগ দিন ৬৫", "subscribe:65"),
    ("যোগ ওয়ার্ড ৬৫", "subscribe:65"),
    ("যোগ ৬৫ নং ওয়ার্ড", "subscribe:65"),
    ("jog 65", "subscribe:65"),
    ("jog dao 65 66", "subscribe:65,66"),
    ("Jog koro 101", "subscribe:101"),
    ("SUBSCRIBE WATER", "subscribe:WATER"),
    ("subscribe water supply", "subscribe:WATER"),
    ("jog roads", "subscribe:ROADS"),
    ("যোগ জল সরবরাহ", "subscribe:WATER"),
    ("LIST", "list"),
    ("list", "list"),
    ("তালিকা", "list"),
    ("talika", "list"),
    ("STOP", "stop"),
    ("stop", "stop"),
    ("Stop.", "stop"),
    ("UNSUBSCRIBE", "stop"),
    ("বন্ধ", "stop"),
    ("বন্ধ করুন", "stop"),
    ("bondho", "stop"),
    ("STOP 65", "stop:65"),
    ("stop ward 65", "stop:65"),
    ("বন্ধ ৬৫", "stop:65"),
    ("bondho 65 66", "stop:65,66"),
    ("stop water", "stop:WATER"),
    ("ENGLISH", "language:en"),
    ("language en", "language:en"),
    ("বাংলা", "language:bn"),
    ("bangla", "language:bn"),
    # Commands the hub reads as such but cannot carry out: answered with the forms.
    ("SUBSCRIBE", "help"),
    ("যোগ", "help"),
    ("SUBSCRIBE 999", "help"),
    ("subscribe 0", "help"),
    ("subscribe 1-144", "help"),
    ("subscribe 150-155", "help"),
    ("subscribe pizza", "help"),
    ("jog korte chai", "help"),
    # Messages, not commands.
    ("Stop the water leak in ward 65", None),
    ("stop 65 the drain is overflowing", None),
    ("No water in ward 65 since morning", None),
    ("জলের লাইনে যোগ নেই ৬৫ নম্বর ওয়ার্ডে", None),
    ("যোগাযোগ করুন", None),
    ("KMC-2026-000123 এর কী অবস্থা?", None),
    ("Please list the works in ward 65", None),
    ("", None),
    ("bondho kore din drain ta", None),
]


@pytest.mark.parametrize(("message", "expected"), LABELLED)
def test_the_labelled_set(message, expected):
    command = read_command(message, ALIASES)
    if expected is None:
        assert command is None
    elif expected == "help":
        assert command is not None and command.action == "help" and command.problem
    else:
        assert command is not None and command.summary == expected


def test_the_labelled_set_covers_every_form_in_both_scripts():
    assert len(LABELLED) >= 50
    assert sum(any("\u0980" <= ch <= "\u09ff" for ch in m) for m, _ in LABELLED) >= 12


BOROUGHS = {7: (60, 61, 62), 9: (88, 90)}
# (message, the command's summary, or the problem it was answered with, or None: a message)
WITH_BOROUGHS = [
    ("SUBSCRIBE BOROUGH 7", "subscribe:60,61,62"),
    ("subscribe borough no 7 65", "subscribe:60,61,62,65"),
    ("subscribe borough7", "subscribe:60,61,62"),
    ("যোগ বরো ৭", "subscribe:60,61,62"),
    ("যোগ বরো নং ৯", "subscribe:88,90"),
    ("jog boro 9", "subscribe:88,90"),
    ("STOP BOROUGH 9", "stop:88,90"),
    ("বন্ধ বরো ৭", "stop:60,61,62"),
    ("subscribe borough 8", "there is no borough 8"),
    ("SUBSCRIBE BOROUGH", "write the borough's number, e.g. BOROUGH 7"),
    ("jog boro office", "write the borough's number, e.g. BOROUGH 7"),
    ("subscribe borough 7 borough 9 1-20", "at most 20 wards in one message"),
    ("stop borough office harassment", None),
    ("Stop borough", None),
]


@pytest.mark.parametrize(("message", "expected"), WITH_BOROUGHS)
def test_a_borough_is_followed_or_stopped_as_its_wards(message, expected):
    command = read_command(message, ALIASES, BOROUGHS)
    if expected is None:
        assert command is None
    elif command is not None and command.action == "help":
        assert str(command.problem) == expected
    else:
        assert command is not None and command.summary == expected


def test_a_borough_named_where_none_are_set_up_is_answered_not_followed():
    command = read_command("SUBSCRIBE BOROUGH 7", ALIASES)
    assert command is not None and command.action == "help"
    assert str(command.problem) == "boroughs are not set up here: name the ward(s)"
