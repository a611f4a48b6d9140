"""Open311 GeoReport v2 and the public tracking page, over real HTTP on loopback.

Reads go through `georeport` from PyPI (a real client, JSON and XML); reports are posted form
-encoded with requests, as the spec's clients do (the PyPI `open311` package that posts is
Python 2 only). Every refusal is checked for its status, its standard error body and that
nothing was stored.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import requests
import xmltodict
from georeport import GeoReport as GeoReportClient
from http_fixtures import serving_hub_routes
from replies_fixtures import add_ticket, facebook_ticket, reply_row, ticket_row

from hub.clock import utc_now
from hub.errors import PermissionDenied
from hub.inbox.open311 import FiledReport
from hub.open311.clients import CallsPerMinute
from hub.platforms.base import Platform
from hub.wards import WardMap

# A point inside ward 65 (its label point, inside its shape by construction).
WARD_65 = next(w for w in WardMap.shipped().wards if w.number == 65)
POINT_65 = {"lat": f"{WARD_65.label_latitude:.6f}", "long": f"{WARD_65.label_longitude:.6f}"}


@pytest.fixture
def endpoint(installed_hub):
    with serving_hub_routes() as base_url:
        yield base_url


@pytest.fixture
def api(endpoint) -> str:
    return f"{endpoint}/open311/v2"


@pytest.fixture
def key(installed_hub, actors) -> str:
    return installed_hub.open311_clients.issue(actors["admin"], "Citizen app").key


def count(hub, table: str) -> int:
    with hub.store.cursor() as cur:
        return cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def post(api: str, fmt: str = "json", **fields) -> requests.Response:
    return requests.post(f"{api}/requests.{fmt}", data=fields, timeout=10)


def report(key: str, **fields) -> dict:
    return {
        "api_key": key,
        "service_code": "WATER",
        "description": "No water in the tap since morning",
        **POINT_65,
        **fields,
    }


# -- discovery, services, definitions -------------------------------------------------------


def test_a_real_client_reads_services_and_definitions_in_json_and_xml(api, installed_hub):
    departments = {d.code for d in installed_hub.departments.all_departments()}
    for fmt in ("json", "xml"):
        client = GeoReportClient(api, output_format=fmt)
        services = client.get_service_list()
        assert {s["service_code"] for s in services} == departments
        water = next(s for s in services if s["service_code"] == "WATER")
        assert water["service_name"] == "Water Supply"
        assert str(water["metadata"]).lower() == "true"
        definition = client.get_service_definition("WATER")
        attributes = definition["attributes"]
        if fmt == "xml":
            attributes = [attributes["attribute"]]
        assert attributes[0]["code"] == "landmark"
    discovery = requests.get(f"{api}/discovery.json", timeout=10).json()
    assert discovery["endpoints"][0]["url"] == api


def test_an_unknown_service_definition_is_a_standard_404(api):
    answer = requests.get(f"{api}/services/NOPE.json", timeout=10)
    assert answer.status_code == 404
    assert answer.json()[0]["code"] == 404 and "NOPE" in answer.json()[0]["description"]
    as_xml = requests.get(f"{api}/services/NOPE.xml", timeout=10)
    assert as_xml.status_code == 404
    error = xmltodict.parse(as_xml.content)["errors"]["error"]
    assert error["code"] == "404"
    no_format = requests.get(f"{api}/services", timeout=10)
    assert no_format.status_code == 404 and ".json or .xml" in no_format.json()[0]["description"]


# -- filing ---------------------------------------------------------------------------------


def test_a_report_becomes_a_ticket_routed_to_its_service_with_the_ward_of_its_point(
    api, installed_hub, key
):
    # The words name a pothole; the citizen chose Water: the service decides.
    answer = post(api, **report(key, description="Pothole full of water outside the tap"))
    assert answer.status_code == 200, answer.text
    (filed,) = answer.json()
    reference = filed["service_request_id"]
    assert reference.startswith("KMC-") and "token" not in filed
    assert reference in filed["service_notice"] and "/track/" in filed["service_notice"]
    with installed_hub.store.cursor() as cur:
        row = cur.execute(
            "SELECT department_code, ward, platform, category, latitude, longitude"
            " FROM tickets WHERE reference = ?",
            [reference],
        ).fetchone()
    assert row[:4] == ("WATER", 65, "open311", "complaint")
    assert row[4] == pytest.approx(float(POINT_65["lat"]))

    client = GeoReportClient(api)
    read = client.get_service_request(reference)
    assert read["service_request_id"] == reference
    assert read["status"] == "open"
    assert read["service_code"] == "WATER"
    assert read["description"].startswith("Pothole full of water")
    assert read["address"] == "Ward 65, Kolkata"
    assert read["lat"] == pytest.approx(float(POINT_65["lat"]))
    assert read["requested_datetime"].endswith("+05:30")
    as_xml = GeoReportClient(api, output_format="xml").get_service_request(reference)
    assert as_xml["service_request_id"] == reference and as_xml["status"] == "open"


def test_an_address_string_is_a_location_and_landmark_and_names_stay_private(
    api, installed_hub, key
):
    fields = report(
        key,
        description="Garbage vat overflowing",
        service_code="SWM",
        address_string="12 Lake Road, ward 85",
        first_name="Rina",
        last_name="Dasgupta",
        phone="+919830012345",
        email="rina@example.org",
        **{"attribute[landmark]": "opposite the school"},
    )
    del fields["lat"], fields["long"]
    (filed,) = post(api, **fields).json()
    reference = filed["service_request_id"]
    with installed_hub.store.cursor() as cur:
        text, name, latitude = cur.execute(
            "SELECT i.text, i.author_name, i.latitude FROM tickets t"
            " JOIN interactions i ON i.id = t.interaction_id WHERE t.reference = ?",
            [reference],
        ).fetchone()
    assert "Landmark: opposite the school" in text and "12 Lake Road" in text
    assert name == "Rina Dasgupta" and latitude is None, "kept for the city"
    for fmt in ("json", "xml"):
        public = requests.get(f"{api}/requests/{reference}.{fmt}", timeout=10).text
        public += requests.get(f"{api}/requests.{fmt}", timeout=10).text
        for personal in ("Rina", "Dasgupta", "9830012345", "rina@example.org", "api_key", key):
            assert personal not in public


@pytest.mark.parametrize(
    ("fields", "status", "words"),
    [
        ({"service_code": ""}, 400, "service_code is required"),
        ({"service_code": "SPACE"}, 400, "Unknown service_code"),
        ({"lat": "28.6139", "long": "77.2090"}, 400, "outside Kolkata"),
        ({"lat": "north", "long": "88.3"}, 400, "decimal degrees"),
        ({"lat": "", "long": ""}, 400, "A location is required"),
        ({"description": "x" * 4001}, 400, "the most is 4000"),
        ({"description": "", "media_url": ""}, 400, "Describe the problem"),
        ({"media_url": "file:///etc/passwd"}, 400, "http(s) address"),
        ({"attribute[colour]": "red"}, 400, "Unknown attribute"),
        ({"api_key": "o311_not-a-key"}, 403, "api_key"),
        ({"api_key": ""}, 403, "api_key"),
        ({"jurisdiction_id": "delhi.gov.in"}, 404, "jurisdiction_id"),
        ({"secret_field": "1"}, 400, "Unknown field"),
    ],
)
def test_a_bad_report_is_refused_clearly_and_nothing_is_stored(
    api, installed_hub, key, fields, status, words
):
    before = (count(installed_hub, "interactions"), count(installed_hub, "tickets"))
    for fmt in ("json", "xml"):
        answer = post(api, fmt, **report(key, **fields))
        assert answer.status_code == status, answer.text
        if fmt == "json":
            (error,) = answer.json()
        else:
            error = xmltodict.parse(answer.content)["errors"]["error"]
        assert int(error["code"]) == status and words in error["description"]
    assert (count(installed_hub, "interactions"), count(installed_hub, "tickets")) == before


def test_xml_and_oversized_bodies_are_refused_unread(api, installed_hub, key):
    before = count(installed_hub, "interactions")
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        f"<request><api_key>{key}</api_key><service_code>WATER</service_code>"
        "<description>&e;</description></request>"
    )
    answer = requests.post(
        f"{api}/requests.xml", data=xxe, headers={"content-type": "text/xml"}, timeout=10
    )
    assert answer.status_code == 400
    assert "root:" not in answer.text
    assert "form fields" in xmltodict.parse(answer.content)["errors"]["error"]["description"]
    huge = requests.post(
        f"{api}/requests.json",
        data={**report(key), "description": "জল " * 30_000},
        timeout=10,
    )
    assert huge.status_code == 413 and "KB" in huge.json()[0]["description"]
    assert count(installed_hub, "interactions") == before


def test_markup_in_a_description_comes_back_as_the_literal_text(api, key):
    sneaky = '<!DOCTYPE x [<!ENTITY e "boom">]>&e; <b>drain</b> & "pipe"'
    (filed,) = post(api, **report(key, description=sneaky)).json()
    answer = requests.get(f"{api}/requests/{filed['service_request_id']}.xml", timeout=10)
    # The standard library's parser refuses to expand nothing here: it is all escaped text.
    parsed = ET.fromstring(answer.content)
    assert parsed.find("request/description").text == sneaky
    assert "<!DOCTYPE" not in answer.text


def test_a_key_files_only_so_many_reports_a_minute(api, installed_hub, key, actors):
    installed_hub.open311.posts = CallsPerMinute(2)
    assert post(api, **report(key)).status_code == 200
    assert post(api, **report(key)).status_code == 200
    before = count(installed_hub, "interactions")
    third = post(api, **report(key))
    assert third.status_code == 429 and "2 a minute" in third.json()[0]["description"]
    assert count(installed_hub, "interactions") == before
    other = installed_hub.open311_clients.issue(actors["admin"], "Kiosk")
    assert post(api, **report(other.key)).status_code == 200, "another key has its own count"


# -- keys ------------------------------------------------------------------------------------


def test_admins_issue_and_revoke_keys_shown_once_and_audited(
    api, installed_hub, actors, audit_rows
):
    admin = actors["admin"]
    with pytest.raises(PermissionDenied):
        installed_hub.open311_clients.issue(actors["it.team"], "Mine")
    issued = installed_hub.open311_clients.issue(admin, "Ward 65 kiosk")
    with installed_hub.store.cursor() as cur:
        stored = cur.execute("SELECT * FROM open311_clients").fetchall()
    assert issued.key not in repr(stored), "only its SHA-256 is kept"
    assert post(api, **report(issued.key)).status_code == 200
    installed_hub.open311_clients.revoke(admin, issued.client.id)
    refused = post(api, **report(issued.key))
    assert refused.status_code == 403 and "revoked" in refused.json()[0]["description"]
    (listed,) = installed_hub.open311_clients.list_clients(admin)
    assert not listed.active and listed.requests_filed == 1
    actions = [row[1] for row in audit_rows(actor="admin")]
    assert "open311_key_issued" in actions and "open311_key_revoked" in actions


# -- tokens ----------------------------------------------------------------------------------


def test_a_token_gives_the_reference_once_triage_has_made_the_ticket(api, installed_hub, key):
    client = installed_hub.open311_clients.active_client(key)
    intake = installed_hub.open311._intake
    _, token = intake.store(
        FiledReport(client.id, "ROADS", "Pothole on the main road", None, None, "", "", "", {})
    )
    waiting = requests.get(f"{api}/tokens/{token}.json", timeout=10).json()
    assert waiting == [{"service_request_id": "", "token": token}]
    installed_hub.tickets.triage_new_interactions()
    (done,) = requests.get(f"{api}/tokens/{token}.json", timeout=10).json()
    assert done["service_request_id"].startswith("KMC-")
    assert requests.get(f"{api}/tokens/o311-nope.json", timeout=10).status_code == 404


# -- reading ---------------------------------------------------------------------------------


def test_requests_filters_and_status_notes_from_public_answers_only(api, installed_hub, actors):
    facebook, _ = facebook_ticket(installed_hub, text="Rina here, call me on 9830012345")
    whatsapp = add_ticket(installed_hub, platform=Platform.WHATSAPP, department_code="ROADS")
    officer = actors["officer.water"]
    reply = installed_hub.replies.answer(officer, facebook, "A tanker is on its way")
    installed_hub.replies.run_cycle()
    assert reply_row(installed_hub, reply)["status"] == "sent"
    fb_ref = ticket_row(installed_hub, facebook)["reference"]
    wa_ref = ticket_row(installed_hub, whatsapp)["reference"]
    client = GeoReportClient(api)
    both = {r["service_request_id"]: r for r in client.get_service_requests()}
    assert both[fb_ref]["status_notes"].startswith("A tanker is on its way")
    assert both[fb_ref]["description"] == "", "a comment's words are not republished"
    assert both[wa_ref]["status_notes"] == ""
    listed = requests.get(f"{api}/requests.json", timeout=10).text
    assert "9830012345" not in listed and "Rina" not in listed

    water = client.get_service_requests(service_code="WATER")
    assert {r["service_request_id"] for r in water} == {fb_ref}
    installed_hub.tickets.resolve(officer, facebook)
    closed = client.get_service_requests(status="closed")
    assert [r["service_request_id"] for r in closed] == [fb_ref]
    assert {r["service_request_id"] for r in client.get_service_requests(status="open")} == {wa_ref}
    picked = client.get_service_requests(service_request_id=f"{wa_ref},{fb_ref}")
    assert {r["service_request_id"] for r in picked} == {wa_ref, fb_ref}
    old = (utc_now() - timedelta(days=200)).strftime("%Y-%m-%dT%H:%M:%SZ")
    older = (utc_now() - timedelta(days=150)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert client.get_service_requests(start_date=old, end_date=older) == []


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("start_date=yesterday", "not a W3C datetime"),
        ("end_date=2026-13-45T00:00:00Z", "not a W3C datetime"),
        ("start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", "at most 90 days"),
        ("start_date=2026-06-01T00:00:00Z&end_date=2026-01-01T00:00:00Z", "after end_date"),
        ("page_size=1001", "page_size must be 1 to 1000"),
        ("page_size=lots", "whole number"),
        ("status=pending", "status is open, closed"),
        ("service_code=SPACE", "Unknown service_code"),
    ],
)
def test_bad_read_filters_get_a_standard_400(api, query, words):
    answer = requests.get(f"{api}/requests.json?{query}", timeout=10)
    assert answer.status_code == 400
    assert words in answer.json()[0]["description"]


def test_an_unknown_request_is_404_and_a_hidden_one_too(api, installed_hub, actors):
    ticket = add_ticket(installed_hub)
    reference = ticket_row(installed_hub, ticket)["reference"]
    assert requests.get(f"{api}/requests/{reference}.json", timeout=10).status_code == 200
    installed_hub.tickets.hide_spam(actors["it.team"], ticket)
    assert requests.get(f"{api}/requests/{reference}.json", timeout=10).status_code == 404
    assert requests.get(f"{api}/requests/KMC-1999-000001.json", timeout=10).status_code == 404


# -- the tracking page -----------------------------------------------------------------------


def test_the_tracking_page_shows_status_department_ward_and_nothing_personal(
    endpoint, installed_hub, actors
):
    ticket, _ = facebook_ticket(installed_hub, text="Rina Das, 9830012345: no water in ward 65")
    reference = ticket_row(installed_hub, ticket)["reference"]
    installed_hub.replies.answer(actors["officer.water"], ticket, "A tanker comes at 4 pm")
    installed_hub.replies.run_cycle()
    page = requests.get(f"{endpoint}/track/{reference}", timeout=10)
    assert page.status_code == 200
    html = page.text
    assert reference in html and "কাজ চলছে" in html and "জল সরবরাহ" in html
    assert "৬৫" in html and "A tanker comes at 4 pm" in html
    for personal in ("Rina", "9830012345", "Citizen", "citizen-1", "no water in ward 65"):
        assert personal not in html
    assert page.headers["x-frame-options"] == "DENY"
    missing = requests.get(f"{endpoint}/track/KMC-2026-999999", timeout=10)
    assert missing.status_code == 404 and "No report has this reference" in missing.text
    script = requests.get(f"{endpoint}/track/<script>alert(1)</script>", timeout=10)
    assert "<script>" not in script.text


def test_a_filer_erased_by_phone_number_leaves_no_words_or_place_in_public(
    api, installed_hub, key, actors
):
    fields = report(key, description="Open manhole near my house at 5 Lake Lane")
    (filed,) = post(api, **fields, phone="+919830099999").json()
    reference = filed["service_request_id"]
    erased = installed_hub.privacy.erase(actors["admin"], "open311", "+919830099999")
    assert erased.summary
    (public,) = requests.get(f"{api}/requests/{reference}.json", timeout=10).json()
    assert public["description"] == "" and public["lat"] is None
    assert public["status"] == "open", "the anonymous figures stay"
    with installed_hub.store.cursor() as cur:
        raw, text = cur.execute(
            "SELECT i.raw, i.text FROM tickets t JOIN interactions i ON i.id = t.interaction_id"
            " WHERE t.reference = ?",
            [reference],
        ).fetchone()
    assert raw is None and "Lake Lane" not in text
