"""Reply templates: per department (or every department) and language, for a purpose
(acknowledgement, answer, resolution).

Placeholders: ``{reference}`` (KMC-2026-000123, always Latin digits: citizens quote it back),
``{department}`` (the department's name in the template's language) and ``{ward}`` (Bengali
digits in a Bengali template; "—" when the ticket has no ward). Any other ``{name}`` is refused
when the template is saved and when it is rendered; ``{{`` and ``}}`` write literal braces.
"""

from __future__ import annotations

import logging
import string
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from hub.audit import AuditLog
from hub.clock import utc_now
from hub.errors import InvalidInput, NotFound
from hub.i18n import N_
from hub.permissions import Action, Actor, is_allowed
from hub.store import Store
from hub.text import nfc

log = logging.getLogger(__name__)


LANGUAGES = ("en", "bn")
PURPOSES = ("acknowledgement", "answer", "resolution")
PLACEHOLDERS = ("reference", "department", "ward")
TEMPLATE_BODY_LIMIT = 2000
BENGALI_DIGITS = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")
NO_WARD = "—"
# Tickets without a department are the IT team's queue: the reply speaks for the city.
CITY_NAME = {"en": "Kolkata Municipal Corporation", "bn": "কলকাতা পৌরসংস্থা"}


class TicketFacts(Protocol):
    """What rendering needs from a ticket (the tickets module's `Ticket` has these)."""

    reference: str
    department_code: str | None
    ward: int | None


@dataclass(frozen=True)
class ReplyTemplate:
    """A reply template; `department_code` None means every department."""

    id: int
    department_code: str | None
    language: str
    name: str
    body: str
    purpose: str
    active: bool
    updated_at: datetime


# -- templates --------------------------------------------------------------------------------


def template_placeholders(body: str) -> list[str]:
    """The placeholder names in `body`; raises `InvalidInput` for anything but the known ones."""
    try:
        parsed = list(string.Formatter().parse(body))
    except ValueError as exc:
        raise InvalidInput(
            N_(
                "The template has a stray brace ({error}): placeholders are written "
                "{{reference}}, {{department}}, {{ward}}; write {{{{ or }}}} for a literal brace."
            ),
            error=exc,
        ) from None
    names: list[str] = []
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            shown = (
                "{"
                + name
                + (f"!{conversion}" if conversion else "")
                + (f":{spec}" if spec else "")
                + "}"
            )
            raise InvalidInput(
                N_("Unknown placeholder {shown} in the template: use only {placeholders}."),
                shown=shown,
                placeholders=", ".join("{" + p + "}" for p in PLACEHOLDERS),
            )
        names.append(name)
    return names


class TemplateService:
    """Reply templates per department and language: listing, managing, rendering."""

    def __init__(self, store: Store, audit: AuditLog) -> None:
        self._store = store
        self._audit = audit

    def list(
        self,
        actor: Actor,
        department_code: str | None = None,
        language: str | None = None,
        *,
        purpose: str | None = None,
        include_inactive: bool = False,
    ) -> list[ReplyTemplate]:
        """Templates an actor may use: officers see their department's and the global ones;
        IT and admins see all (or one department's and the global ones when asked).
        Inactive ones are listed only to those who manage templates (IT, admins)."""
        if include_inactive:
            self._audit.authorize(actor, Action.MANAGE_TEMPLATES)
        if is_allowed(actor, Action.MANAGE_TEMPLATES):
            wanted = department_code
        else:
            wanted = department_code or actor.department_code
            self._audit.authorize(actor, Action.ANSWER_TICKET, wanted)
        where, params = ["TRUE"], []
        if wanted is not None:
            where.append("(department_code = ? OR department_code IS NULL)")
            params.append(wanted)
        if language is not None:
            where.append("language = ?")
            params.append(language)
        if purpose is not None:
            where.append("purpose = ?")
            params.append(purpose)
        if not include_inactive:
            where.append("active")
        with self._store.cursor() as cur:
            rows = cur.execute(
                f"SELECT {_TEMPLATE_COLUMNS} FROM reply_templates WHERE {' AND '.join(where)}"
                " ORDER BY department_code NULLS LAST, purpose, language, name, id",
                params,
            ).fetchall()
        return [_template(row) for row in rows]

    def get(self, template_id: int) -> ReplyTemplate:
        """One template by id (no permission: templates are not secret)."""
        with self._store.cursor() as cur:
            row = cur.execute(
                f"SELECT {_TEMPLATE_COLUMNS} FROM reply_templates WHERE id = ?", [template_id]
            ).fetchone()
        if row is None:
            raise NotFound(N_("No reply template #{number}."), number=template_id)
        return _template(row)

    def create(
        self,
        actor: Actor,
        *,
        name: str,
        language: str,
        body: str,
        department_code: str | None = None,
        purpose: str = "answer",
    ) -> ReplyTemplate:
        """A new template (IT, admins); the body's placeholders are checked first."""
        self._audit.authorize(actor, Action.MANAGE_TEMPLATES)
        fields = self._checked(name, language, body, department_code, purpose)
        now = utc_now()
        with self._store.transaction() as cur:
            (template_id,) = cur.execute(
                "INSERT INTO reply_templates (department_code, language, name, body, purpose,"
                " active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, TRUE, ?, ?)"
                " RETURNING id",
                [
                    fields["department_code"],
                    fields["language"],
                    fields["name"],
                    fields["body"],
                    fields["purpose"],
                    now,
                    now,
                ],
            ).fetchone()
            self._audit.record(
                cur,
                actor=actor,
                action="create_reply_template",
                target_type="reply_template",
                target_id=str(template_id),
                department_code=fields["department_code"],
                after=fields,
            )
        return self.get(template_id)

    def update(self, actor: Actor, template_id: int, **changes: Any) -> ReplyTemplate:
        """Change name, language, body, department_code, purpose or active (IT, admins)."""
        self._audit.authorize(actor, Action.MANAGE_TEMPLATES)
        allowed = {"name", "language", "body", "department_code", "purpose", "active"}
        unknown = set(changes) - allowed
        if unknown:
            raise InvalidInput(
                N_("Cannot change {fields} of a template."), fields=", ".join(sorted(unknown))
            )
        before = self.get(template_id)
        merged = {
            "name": changes.get("name", before.name),
            "language": changes.get("language", before.language),
            "body": changes.get("body", before.body),
            "department_code": changes.get("department_code", before.department_code),
            "purpose": changes.get("purpose", before.purpose),
        }
        fields = self._checked(**merged)
        fields["active"] = bool(changes.get("active", before.active))
        with self._store.transaction() as cur:
            cur.execute(
                "UPDATE reply_templates SET name = ?, language = ?, body = ?,"
                " department_code = ?, purpose = ?, active = ?, updated_at = ? WHERE id = ?",
                [
                    fields["name"],
                    fields["language"],
                    fields["body"],
                    fields["department_code"],
                    fields["purpose"],
                    fields["active"],
                    utc_now(),
                    template_id,
                ],
            )
            self._audit.record(
                cur,
                actor=actor,
                action="update_reply_template",
                target_type="reply_template",
                target_id=str(template_id),
                department_code=fields["department_code"],
                before=_template_fields(before),
                after=fields,
            )
        return self.get(template_id)

    def deactivate(self, actor: Actor, template_id: int) -> ReplyTemplate:
        """Hide a template from the answer panel and the acknowledgement (kept for history)."""
        return self.update(actor, template_id, active=False)

    def render(
        self,
        template_body: str,
        ticket: TicketFacts,
        *,
        language: str = "en",
        names: dict[str, tuple[str, str]] | None = None,
    ) -> str:
        """The template filled in for `ticket`, in `language` (the template's language).

        ``{department}`` is the department's name in that language, ``{ward}`` the ward
        number (Bengali digits for ``bn``, "—" when unknown), ``{reference}`` the reference
        number as issued. Unknown placeholders raise `InvalidInput`. `names`
        (`department_names`) saves a lookup per ticket when many are rendered at once.
        """
        template_placeholders(template_body)
        if language not in LANGUAGES:
            raise InvalidInput(
                N_("Unknown template language {language!r}: use 'en' or 'bn'."),
                language=language,
            )
        ward = NO_WARD if ticket.ward is None else str(ticket.ward)
        if language == "bn":
            ward = ward.translate(BENGALI_DIGITS)
        values = {
            "reference": ticket.reference,
            "department": self.department_name(ticket.department_code, language, names),
            "ward": ward,
        }
        return nfc(template_body.format(**values))

    def department_names(self) -> dict[str, tuple[str, str]]:
        """Every department's (English, Bengali) name by code, for rendering many at once."""
        with self._store.cursor() as cur:
            rows = cur.execute("SELECT code, name_en, name_bn FROM departments").fetchall()
        return {code: (name_en, name_bn) for code, name_en, name_bn in rows}

    def department_name(
        self,
        department_code: str | None,
        language: str,
        names: dict[str, tuple[str, str]] | None = None,
    ) -> str:
        """A department's name in English or Bengali; the city's name for no department.
        `names`: `department_names`, read once for many."""
        if department_code is None:
            return CITY_NAME[language]
        if names is not None:
            row = names.get(department_code)
        else:
            with self._store.cursor() as cur:
                row = cur.execute(
                    "SELECT name_en, name_bn FROM departments WHERE code = ?", [department_code]
                ).fetchone()
        if row is None:
            return department_code
        return row[1] if language == "bn" else row[0]

    def pick(self, department_code: str | None, language: str, purpose: str) -> ReplyTemplate:
        """The template used automatically: the department's own first, else the global one."""
        with self._store.cursor() as cur:
            row = cur.execute(
                f"SELECT {_TEMPLATE_COLUMNS} FROM reply_templates WHERE active AND language = ?"
                " AND purpose = ? AND (department_code = ? OR department_code IS NULL)"
                " ORDER BY department_code NULLS LAST, id LIMIT 1",
                [language, purpose, department_code],
            ).fetchone()
        if row is None:
            raise NotFound(
                N_(
                    "No active {purpose} template in {language!r}: add one on the Reply "
                    "templates page."
                ),
                purpose=purpose,
                language=language,
            )
        return _template(row)

    def _checked(
        self,
        name: str,
        language: str,
        body: str,
        department_code: str | None,
        purpose: str,
    ) -> dict[str, Any]:
        name = nfc((name or "").strip())
        body = nfc((body or "").strip())
        if not name:
            raise InvalidInput(N_("Give the template a name."))
        if not body:
            raise InvalidInput(N_("The template text is empty: write the reply."))
        if len(body) > TEMPLATE_BODY_LIMIT:
            raise InvalidInput(
                N_("The template is {length} characters; keep it under {limit}."),
                length=len(body),
                limit=TEMPLATE_BODY_LIMIT,
            )
        if language not in LANGUAGES:
            raise InvalidInput(
                N_("Unknown language {language!r}: choose English or Bengali."), language=language
            )
        if purpose not in PURPOSES:
            raise InvalidInput(
                N_("Unknown purpose {purpose!r}: use {purposes}."),
                purpose=purpose,
                purposes=", ".join(PURPOSES),
            )
        template_placeholders(body)
        department_code = department_code or None
        if department_code is not None:
            with self._store.cursor() as cur:
                known = cur.execute(
                    "SELECT 1 FROM departments WHERE code = ?", [department_code]
                ).fetchone()
            if known is None:
                raise InvalidInput(N_("No department {code!r}."), code=department_code)
        return {
            "name": name,
            "language": language,
            "body": body,
            "department_code": department_code,
            "purpose": purpose,
        }


_TEMPLATE_COLUMNS = "id, department_code, language, name, body, purpose, active, updated_at"


def _template(row: tuple) -> ReplyTemplate:
    return ReplyTemplate(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6]), row[7])


def _template_fields(template: ReplyTemplate) -> dict[str, Any]:
    return {
        "name": template.name,
        "language": template.language,
        "body": template.body,
        "department_code": template.department_code,
        "purpose": template.purpose,
        "active": template.active,
    }


__all__ = [
    "CITY_NAME",
    "LANGUAGES",
    "PLACEHOLDERS",
    "PURPOSES",
    "ReplyTemplate",
    "TemplateService",
    "TicketFacts",
    "template_placeholders",
]
