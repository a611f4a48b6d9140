"""departments.csv: the real file, every malformed case, all-or-nothing imports."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from hub.departments import COLUMNS, parse_departments_csv
from hub.errors import DepartmentsFileError, InvalidInput, PermissionDenied
from hub.i18n import translations
from hub.permissions import Role

DEPARTMENTS_FILE = Path(__file__).resolve().parents[1] / "departments.csv"

HEADER = ",".join(COLUMNS)
GOOD_ROW = (
    "WATER,Water Supply,জল সরবরাহ,DG (Water Supply),water@kmcgov.in,no water;tap,জল নেই;কলের জল,6,72"
)
OTHER_ROW = "ROADS,Roads,রাস্তা,CE (Roads),roads@kmcgov.in,pothole,খানাখন্দ,8,120"


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def test_the_shipped_file_has_the_kmc_departments():
    departments = parse_departments_csv(DEPARTMENTS_FILE.read_bytes())
    names = " ".join(d.name_en.lower() for d in departments)
    assert len(departments) >= 20
    for needed in (
        "water supply",
        "drainage",
        "roads",
        "solid waste",
        "health",
        "lighting",
        "building",
        "parks",
        "market",
        "education",
        "assessment",
        "licen",
        "planning",
        "bustee",
        "heritage",
        "information technology",
    ):
        assert needed in names, needed
    assert all(
        d.name_bn and any("\u0980" <= ch <= "\u09ff" for ch in d.name_bn) for d in departments
    )


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            (GOOD_ROW, GOOD_ROW.replace("no water;tap", "leak")),
            "line 3, column code: duplicate code WATER (first on line 2)",
        ),
        ((GOOD_ROW.replace("Water Supply,", ",", 1),), "line 2, column name_en: empty"),
        (
            (GOOD_ROW.replace(",6,72", ",six,72"),),
            "line 2, column first_response_target_hours: 'six' is not a whole number",
        ),
        (
            (GOOD_ROW.replace(",6,72", ",6,2.5"),),
            "line 2, column resolution_target_hours: '2.5' is not a whole number",
        ),
        (
            (GOOD_ROW.replace(",6,72", ",60,12"),),
            "resolution_target_hours: is shorter than first_response_target_hours",
        ),
        (
            (GOOD_ROW.replace("জল সরবরাহ", "Jal Sarbaraha"),),
            "column name_bn: 'Jal Sarbaraha' has no Bengali letters",
        ),
        (
            (GOOD_ROW.replace("water@kmcgov.in", "water-at-kmc"),),
            "column contact_email: 'water-at-kmc' is not an e-mail address",
        ),
        ((GOOD_ROW + ",extra",), "line 2: expected 9 fields, found 10"),
        (
            (GOOD_ROW, OTHER_ROW.replace("pothole", "tap")),
            "line 3, column keywords_en: keyword 'tap' is already used by WATER (line 2)",
        ),
        ((GOOD_ROW.replace("no water;tap", " ; "),), "column keywords_en: empty"),
    ],
    ids=[
        "duplicate-code",
        "empty-name",
        "non-numeric-target",
        "fraction-target",
        "resolution-shorter",
        "name-bn-not-bengali",
        "bad-email",
        "extra-field",
        "shared-keyword",
        "no-keywords",
    ],
)
def test_a_malformed_line_is_named_with_its_column(rows, expected):
    with pytest.raises(DepartmentsFileError) as caught:
        parse_departments_csv(csv_bytes(*rows))
    assert any(expected in problem for problem in caught.value.problems), caught.value.problems


def test_bad_encoding_names_the_line_and_says_to_save_as_utf8():
    data = csv_bytes(GOOD_ROW, OTHER_ROW).replace(
        "খানাখন্দ".encode(), "Kh\xe1nakhanda".encode("latin-1")
    )
    with pytest.raises(DepartmentsFileError) as caught:
        parse_departments_csv(data)
    assert caught.value.problems[0].startswith("line 3: byte 0xe1")
    assert "UTF-8" in str(caught.value)


def test_missing_and_unknown_columns_are_reported_on_line_1():
    header = HEADER.replace("controlling_officer", "officer")
    with pytest.raises(DepartmentsFileError) as caught:
        parse_departments_csv(csv_bytes(GOOD_ROW, header=header))
    assert "line 1: missing column(s) controlling_officer" in caught.value.problems
    assert "line 1: unknown column(s) 'officer'" in caught.value.problems


def test_every_problem_is_listed_not_only_the_first():
    rows = (GOOD_ROW.replace(",6,72", ",x,72"), OTHER_ROW.replace("Roads,", ",", 1))
    with pytest.raises(DepartmentsFileError) as caught:
        parse_departments_csv(csv_bytes(*rows))
    assert len(caught.value.problems) == 2


def test_the_problems_read_in_bengali_with_the_columns_and_values_as_in_the_file():
    rows = (
        GOOD_ROW.replace(",6,72", ",six,72"),
        GOOD_ROW.replace("water@kmcgov.in", "w-at-k"),
        GOOD_ROW,
        GOOD_ROW,
    )
    with pytest.raises(DepartmentsFileError) as caught:
        parse_departments_csv(csv_bytes(*rows))
    bengali = caught.value.translated(translations("bn").gettext)
    assert bengali.startswith("বিভাগের ফাইল ইমপোর্ট হয়নি: 3টি সমস্যা")
    assert "- লাইন 2, কলাম first_response_target_hours: 'six' 1 থেকে" in bengali
    assert "- লাইন 3, কলাম contact_email: 'w-at-k' কোনো ই-মেল ঠিকানা নয়" in bengali
    assert "- লাইন 5, কলাম code: WATER কোডটি দু'বার আছে (প্রথমবার লাইন 4-এ)" in bengali
    # The English stays for the log, the CLI and the audit.
    assert "line 2, column first_response_target_hours: 'six' is not" in str(caught.value)


def test_a_file_with_many_problems_lists_fifty_and_counts_the_rest():
    rows = [GOOD_ROW.replace("Water Supply,", ",", 1).replace("WATER", f"W{n}") for n in range(60)]
    with pytest.raises(DepartmentsFileError) as caught:
        parse_departments_csv(csv_bytes(*rows))
    assert len(caught.value.problems) == 60
    shown = str(caught.value).splitlines()
    assert shown[0] == "departments file not imported: 60 problem(s); fix them and import again."
    assert len(shown) == 1 + 50 + 1
    assert shown[-1] == "- ... and 10 more"
    assert caught.value.translated(translations("bn").gettext).endswith("- ... আরও 10টি")


def test_text_is_stored_nfc_normalised():
    # ও written as two code points (এ + া sign) and য় as the single code point U+09DF:
    # NFC composes the first and, য় being a composition exclusion, decomposes the second.
    raw_name = "জল সরবরা\u09b9 \u09c7\u09be \u09df"
    department = parse_departments_csv(csv_bytes(GOOD_ROW.replace("জল সরবরাহ", raw_name)))[0]
    assert department.name_bn == unicodedata.normalize("NFC", raw_name)
    assert "\u09df" not in department.name_bn
    assert unicodedata.is_normalized("NFC", department.name_bn)


def test_a_file_with_any_error_imports_nothing(hub, actor_of_role):
    admin = actor_of_role[Role.ADMIN]
    before = hub.departments.export_csv(admin)
    new_row = "ZOO,Zoo,চিড়িয়াখানা,Director (Zoo),zoo@kmcgov.in,zoo animals,চিড়িয়াখানা,24,48"
    bad = csv_bytes(new_row, GOOD_ROW.replace(",6,72", ",soon,72"))
    with pytest.raises(DepartmentsFileError):
        hub.departments.import_csv(admin, bad, source="bad.csv")
    assert hub.departments.export_csv(admin) == before
    assert all(d.code != "ZOO" for d in hub.departments.all_departments())


def test_export_then_import_changes_nothing(hub, actor_of_role):
    admin = actor_of_role[Role.ADMIN]
    exported = hub.departments.export_csv(admin)
    result = hub.departments.import_csv(admin, exported.encode("utf-8"), source="export")
    assert result.added == () and result.updated == ()
    assert len(result.unchanged) == len(hub.departments.all_departments())


def test_import_updates_and_audits_before_and_after(hub, actor_of_role, audit_rows):
    admin = actor_of_role[Role.ADMIN]
    lines = hub.departments.export_csv(admin).splitlines()
    water = next(i for i, line in enumerate(lines) if line.startswith("WATER,"))
    lines[water] = lines[water].rsplit(",", 2)[0] + ",2,48"
    result = hub.departments.import_csv(admin, ("\n".join(lines) + "\n").encode(), source="edit")
    assert result.updated == ("WATER",)
    assert hub.departments.get(admin, "WATER").first_response_target_hours == 2
    rows = audit_rows(action="import_department", target_id="WATER")
    assert rows and rows[-1][2] == "ok"


def test_edit_is_checked_like_a_file_row(hub, actor_of_role):
    admin = actor_of_role[Role.ADMIN]
    with pytest.raises(InvalidInput, match="resolution_target_hours") as caught:
        hub.departments.update(
            admin, "WATER", first_response_target_hours=100, resolution_target_hours=10
        )
    assert str(caught.value) == (
        "the department cannot be saved: resolution_target_hours: is shorter than"
        " first_response_target_hours"
    )
    assert caught.value.translated(translations("bn").gettext) == (
        "বিভাগটি সেভ করা গেল না: resolution_target_hours: first_response_target_hours-এর চেয়ে কম"
    )
    with pytest.raises(InvalidInput, match="already used by"):
        roads_word = hub.departments.get(admin, "ROADS").keywords_en[0]
        hub.departments.update(admin, "WATER", keywords_en=roads_word)
    updated = hub.departments.update(admin, "WATER", controlling_officer="Chief Engineer (Water)")
    assert updated.controlling_officer == "Chief Engineer (Water)"


def test_officers_cannot_import_departments(hub, actor_of_role):
    with pytest.raises(PermissionDenied):
        hub.departments.import_csv(actor_of_role[Role.OFFICER], csv_bytes(GOOD_ROW))
