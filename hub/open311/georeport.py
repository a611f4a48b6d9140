"""Open311 GeoReport v2: the city's services, filing a report, and reading reports back.

Every resource answers a list or a dict that `hub.open311.wire` renders as JSON or XML;
every refusal is an `Open311Error` with the HTTP status and the standard error body. A report
is checked completely before anything is stored (an unknown service, a point outside
Kolkata, an oversized description: nothing is written), then stored as one interaction
(`hub.inbox.open311`) and triaged at once by the same triage as every other message, so the
answer carries the ticket's reference as ``service_request_id``. Should triage not run (the
store busy), the answer carries a ``token`` instead and ``tokens/<token>`` gives the
reference once the triage job has made the ticket. Reads go through `PublicTickets`: nothing
personal.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from hub.clock import utc_now
from hub.config import Settings
from hub.departments import Department
from hub.errors import HubError
from hub.inbox.open311 import FiledReport, Open311Intake
from hub.open311.clients import CallsPerMinute, Open311Clients
from hub.tickets.public import PublicQuery, PublicTicket, PublicTickets
from hub.wards import WardMap

log = logging.getLogger("hub.open311")

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
FORMATS = ("json", "xml")
MAX_FIELD_CHARS = 200
MAX_URL_CHARS = 2000
# The attributes every service's definition offers.
ATTRIBUTES = (
    {
        "variable": True,
        "code": "landmark",
        "datatype": "string",
        "required": False,
        "datatype_description": "A landmark near the place, up to 200 characters",
        "order": 1,
        "description": "A landmark near the place (e.g. opposite Kalighat metro, gate 2)",
        "values": [],
    },
)
KNOWN_FIELDS = frozenset(
    {
        "api_key",
        "jurisdiction_id",
        "service_code",
        "lat",
        "long",
        "address_string",
        "address_id",
        "email",
        "device_id",
        "account_id",
        "first_name",
        "last_name",
        "phone",
        "description",
        "media_url",
    }
)


class Open311Error(HubError):
    """A refused Open311 call: the HTTP status and the description the client is sent."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status


@dataclass(frozen=True)
class Open311Answer:
    """What a resource answers: the body (rendered by `wire`) and its XML element names."""

    body: Any
    root: str
    item: str = ""
    status: int = 200


class GeoReport:
    """The GeoReport v2 resources of the hub."""

    def __init__(
        self,
        settings: Settings,
        departments: Callable[[], Sequence[Department]],
        clients: Open311Clients,
        intake: Open311Intake,
        triage: Callable[[], object],
        public: PublicTickets,
        wards: WardMap,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._settings = settings
        self._options = settings.open311
        self._departments = departments
        self._clients = clients
        self._intake = intake
        self._triage = triage
        self._public = public
        self._wards = wards
        self._clock = clock
        self._zone = ZoneInfo(settings.display_timezone)
        self.posts = CallsPerMinute(self._options.posts_per_minute)
        self.reads = CallsPerMinute(self._options.reads_per_minute)

    # -- discovery and services ---------------------------------------------------------------

    def discovery(self, base_url: str) -> Open311Answer:
        """Where the endpoint is and what it speaks."""
        body = {
            "changeset": "2026-12-06T00:00:00Z",
            "contact": "IT team, Kolkata Municipal Corporation",
            "key_service": "Keys are issued by the hub's administrators (Open311 keys page).",
            "endpoints": [
                {
                    "specification": SPEC_URL,
                    "url": base_url.rstrip("/"),
                    "changeset": "2026-12-06T00:00:00Z",
                    "type": "production",
                    "formats": ["application/json", "text/xml"],
                }
            ],
        }
        return Open311Answer(body, "discovery")

    def services(self) -> Open311Answer:
        """The services a report can be filed under: the city's active departments."""
        body = [
            {
                "service_code": d.code,
                "service_name": d.name_en,
                "description": f"{d.name_en} ({d.name_bn}); {d.controlling_officer}",
                "metadata": True,
                "type": "realtime",
                "keywords": ", ".join(d.keywords_en[:10]),
                "group": self._settings.municipality,
            }
            for d in self._departments()
        ]
        return Open311Answer(body, "services", "service")

    def service_definition(self, service_code: str) -> Open311Answer:
        """A service's attributes (the same for every service: a landmark)."""
        department = self._department(service_code, status=404)
        body = {"service_code": department.code, "attributes": [dict(a) for a in ATTRIBUTES]}
        return Open311Answer(body, "service_definition")

    # -- filing -------------------------------------------------------------------------------

    def submit(self, form: Mapping[str, str]) -> Open311Answer:
        """File a report: checked whole first, then stored once and triaged at once."""
        self._check_jurisdiction(form)
        client = self._clients.active_client(form.get("api_key"))
        if client is None:
            raise Open311Error(
                403, "api_key is missing, unknown or revoked: ask the city's IT team for a key."
            )
        wait = self.posts.allow(f"key:{client.id}")
        if wait is not None:
            raise Open311Error(
                429,
                f"Too many reports from this key: {self.posts.limit} a minute;"
                f" try again in {math.ceil(wait)} s.",
            )
        report = self._checked_report(client.id, form)
        interaction_id, token = self._intake.store(report)
        reference = None
        try:
            self._triage()
            reference = self._intake.reference_of(token)
        except HubError as exc:  # stored already: the triage job makes the ticket later
            log.warning("open311: report %s stored, triage deferred: %s", interaction_id, exc)
        answer: dict[str, Any] = {"service_notice": "", "account_id": form.get("account_id", "")}
        if reference is None:
            answer = {"token": token, **answer}
        else:
            ticket = self._public.by_reference(reference)
            answer = {"service_request_id": reference, **answer}
            answer["service_notice"] = self._notice(ticket) if ticket else ""
        return Open311Answer([answer], "service_requests", "request")

    def token(self, token: str) -> Open311Answer:
        """The reference a token's report got (404 for an unknown token)."""
        if not self._intake.token_known(token):
            raise Open311Error(404, f"No report was filed with token {token[:40]!r}.")
        reference = self._intake.reference_of(token)
        body = [{"service_request_id": reference or "", "token": token}]
        return Open311Answer(body, "service_requests", "request")

    # -- reading ------------------------------------------------------------------------------

    def requests(self, query: Mapping[str, str], base_url: str) -> Open311Answer:
        """Reports by the standard filters, newest first, at most `max_rows`."""
        self._check_jurisdiction(query)
        limit = self._options.max_rows
        if query.get("page_size"):
            limit = self._whole_number("page_size", query["page_size"])
            if not 1 <= limit <= self._options.max_rows:
                raise Open311Error(
                    400, f"page_size must be 1 to {self._options.max_rows}, not {limit}."
                )
        references = _comma_list(query.get("service_request_id"))
        if references:
            # The spec: a list of ids overrides every other filter.
            if len(references) > self._options.max_rows:
                raise Open311Error(
                    400, f"Ask for at most {self._options.max_rows} service_request_id at once."
                )
            wanted = PublicQuery(references=tuple(r.upper() for r in references), limit=limit)
        else:
            codes = tuple(c.upper() for c in _comma_list(query.get("service_code")))
            known = {d.code for d in self._departments()}
            unknown = [c for c in codes if c not in known]
            if unknown:
                raise Open311Error(400, f"Unknown service_code {', '.join(unknown)}.")
            start, end = self._window(query.get("start_date"), query.get("end_date"))
            wanted = PublicQuery(
                department_codes=codes,
                start=start,
                end=end,
                open_only=self._status_filter(query.get("status")),
                limit=limit,
            )
        tickets = self._public.find(wanted)
        body = [self._request_body(ticket, base_url) for ticket in tickets]
        return Open311Answer(body, "service_requests", "request")

    def request(self, reference: str, base_url: str) -> Open311Answer:
        """One report by its reference (404 when there is none)."""
        ticket = self._public.by_reference(reference)
        if ticket is None:
            raise Open311Error(404, f"No service request {reference[:40]!r}.")
        return Open311Answer([self._request_body(ticket, base_url)], "service_requests", "request")

    # -- the parts ----------------------------------------------------------------------------

    def _checked_report(self, client_id: int, form: Mapping[str, str]) -> FiledReport:
        unknown = sorted(
            name for name in form if name not in KNOWN_FIELDS and not name.startswith("attribute[")
        )
        if unknown:
            raise Open311Error(400, f"Unknown field(s): {', '.join(unknown[:5])}.")
        code = (form.get("service_code") or "").strip().upper()
        if not code:
            raise Open311Error(400, "service_code is required: GET services.json lists them.")
        department = self._department(code, status=400)
        latitude, longitude = self._location(form)
        description = (form.get("description") or "").strip()
        limit = self._options.max_description_chars
        if len(description) > limit:
            raise Open311Error(
                400, f"description is {len(description)} characters; the most is {limit}."
            )
        attributes = self._attributes(form)
        media_url = (form.get("media_url") or "").strip()
        if media_url:
            parts = urlsplit(media_url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise Open311Error(400, "media_url must be an http(s) address.")
            if len(media_url) > MAX_URL_CHARS:
                raise Open311Error(400, f"media_url is longer than {MAX_URL_CHARS} characters.")
        for name in ("email", "phone", "first_name", "last_name", "account_id", "device_id"):
            if len(form.get(name) or "") > MAX_FIELD_CHARS:
                raise Open311Error(400, f"{name} is longer than {MAX_FIELD_CHARS} characters.")
        address = (form.get("address_string") or "").strip()
        if len(address) > MAX_FIELD_CHARS:
            raise Open311Error(400, f"address_string is longer than {MAX_FIELD_CHARS} characters.")
        if not description and not media_url:
            raise Open311Error(400, "Describe the problem (description) or link a photo.")
        text = "\n".join(
            part
            for part in (
                description,
                f"Address: {address}" if address else "",
                f"Landmark: {attributes['landmark']}" if attributes.get("landmark") else "",
            )
            if part
        )
        who = " ".join(
            (form.get(name) or "").strip() for name in ("first_name", "last_name")
        ).strip()
        author_key = (
            form.get("account_id") or form.get("device_id") or form.get("email") or ""
        ).strip()
        raw = {k: v for k, v in form.items() if k != "api_key"}
        return FiledReport(
            client_id=client_id,
            service_code=department.code,
            description=text,
            latitude=latitude,
            longitude=longitude,
            media_url=media_url,
            author_key=author_key,
            author_name=who,
            raw=raw,
        )

    def _location(self, form: Mapping[str, str]) -> tuple[float | None, float | None]:
        lat, long = (form.get("lat") or "").strip(), (form.get("long") or "").strip()
        if lat or long:
            try:
                latitude, longitude = float(lat), float(long)
            except ValueError:
                raise Open311Error(400, "lat and long must both be decimal degrees.") from None
            if not (math.isfinite(latitude) and math.isfinite(longitude)):
                raise Open311Error(400, "lat and long must both be decimal degrees.")
            if not self._wards.in_city(latitude, longitude):
                raise Open311Error(
                    400,
                    f"The point {latitude:.5f}, {longitude:.5f} is outside Kolkata: this hub takes"
                    " reports inside the city's wards.",
                )
            return latitude, longitude
        if (form.get("address_string") or "").strip():
            return None, None
        if (form.get("address_id") or "").strip():
            raise Open311Error(400, "address_id is not used here: send lat and long or an address.")
        raise Open311Error(400, "A location is required: lat and long, or address_string.")

    def _attributes(self, form: Mapping[str, str]) -> dict[str, str]:
        known = {a["code"] for a in ATTRIBUTES}
        found = {}
        for name, value in form.items():
            if not name.startswith("attribute["):
                continue
            code = name[len("attribute[") : -1] if name.endswith("]") else ""
            if code not in known:
                raise Open311Error(400, f"Unknown attribute {name[:60]!r}: see the definition.")
            if len(value) > MAX_FIELD_CHARS:
                raise Open311Error(400, f"{name} is longer than {MAX_FIELD_CHARS} characters.")
            found[code] = value.strip()
        return found

    def _department(self, code: str, *, status: int) -> Department:
        code = code.strip().upper()
        for department in self._departments():
            if department.code == code:
                return department
        raise Open311Error(
            status, f"Unknown service_code {code[:40]!r}: GET services.json lists them."
        )

    def _check_jurisdiction(self, params: Mapping[str, str]) -> None:
        given = params.get("jurisdiction_id")
        if given and given != self._options.jurisdiction_id:
            raise Open311Error(
                404, f"Unknown jurisdiction_id; this endpoint is {self._options.jurisdiction_id}."
            )

    def _window(self, start_text: str | None, end_text: str | None) -> tuple[datetime, datetime]:
        days = timedelta(days=self._options.window_days)
        start = _w3c("start_date", start_text)
        end = _w3c("end_date", end_text)
        if start is None and end is None:
            end = self._clock()
            start = end - days
        elif start is None:
            start = end - days
        elif end is None:
            end = start + days
        if start > end:
            raise Open311Error(400, "start_date is after end_date.")
        if end - start > days:
            raise Open311Error(
                400, f"start_date to end_date may span at most {self._options.window_days} days."
            )
        return start, end

    @staticmethod
    def _status_filter(value: str | None) -> bool | None:
        wanted = {s.lower() for s in _comma_list(value)}
        if wanted - {"open", "closed"}:
            raise Open311Error(400, "status is open, closed, or both (comma separated).")
        if wanted == {"open"}:
            return True
        if wanted == {"closed"}:
            return False
        return None

    @staticmethod
    def _whole_number(name: str, value: str) -> int:
        try:
            return int(value)
        except ValueError:
            raise Open311Error(400, f"{name} must be a whole number.") from None

    def _notice(self, ticket: PublicTicket) -> str:
        where = ticket.department_en or "the IT team"
        notice = f"Registered as {ticket.reference} with {where}."
        if ticket.expected_at is not None:
            notice += f" Aimed to be resolved by {self._time(ticket.expected_at)}."
        return f"{notice} Track it: {self._public.tracking_link(ticket.reference)}"

    def _time(self, moment: datetime | None) -> str:
        if moment is None:
            return ""
        return moment.astimezone(self._zone).isoformat(timespec="seconds")

    def _request_body(self, ticket: PublicTicket, base_url: str) -> dict[str, Any]:
        return {
            "service_request_id": ticket.reference,
            "status": "open" if ticket.is_open else "closed",
            "status_notes": ticket.latest_answer or "",
            "service_name": ticket.department_en or "IT team (not yet assigned)",
            "service_code": ticket.department_code or "",
            "description": ticket.description or "",
            "agency_responsible": ticket.department_en or "",
            "service_notice": f"Track it: {self._public.tracking_link(ticket.reference)}",
            "requested_datetime": self._time(ticket.opened_at),
            "updated_datetime": self._time(ticket.updated_at),
            "expected_datetime": self._time(ticket.expected_at),
            "address": f"Ward {ticket.ward}, Kolkata" if ticket.ward else "",
            "address_id": "",
            "zipcode": "",
            "lat": ticket.latitude,
            "long": ticket.longitude,
            "media_url": "",
        }


def _comma_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _w3c(name: str, value: str | None) -> datetime | None:
    """A W3C datetime (2026-12-01T00:00:00Z, with an offset, or a date), in UTC."""
    if value is None or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise Open311Error(
            400, f"{name} {value[:40]!r} is not a W3C datetime (e.g. 2026-12-01T00:00:00Z)."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


__all__ = ["FORMATS", "GeoReport", "Open311Answer", "Open311Error"]
