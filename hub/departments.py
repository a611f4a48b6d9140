"""Departments: the CSV file they come from, and the service that keeps them.

A file is checked whole before anything is written: every problem is reported with its
line, column and what is wrong, and a file with any problem imports nothing.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import asdict, dataclass, replace

from hub.audit import AuditLog
from hub.clock import utc_now
from hub.errors import DepartmentsFileError, InvalidInput, NotFound
from hub.i18n import N_, Joined, Message
from hub.permissions import Action, Actor
from hub.store import Store
from hub.text import nfc_trimmed

COLUMNS = (
    "code",
    "name_en",
    "name_bn",
    "controlling_officer",
    "contact_email",
    "keywords_en",
    "keywords_bn",
    "first_response_target_hours",
    "resolution_target_hours",
)
_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,19}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_BENGALI = re.compile(r"[\u0980-\u09FF]")
_MAX_TARGET_HOURS = 24 * 365


@dataclass(frozen=True)
class Department:
    """A department of the corporation, its controlling officer and response targets."""

    code: str
    name_en: str
    name_bn: str
    controlling_officer: str
    contact_email: str
    keywords_en: tuple[str, ...]
    keywords_bn: tuple[str, ...]
    first_response_target_hours: int
    resolution_target_hours: int
    active: bool = True

    @property
    def label(self) -> str:
        """English and Bengali names together, as menus show them."""
        return f"{self.name_en} ({self.name_bn})"


@dataclass(frozen=True)
class ImportResult:
    """What an import changed."""

    added: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]

    @property
    def summary(self) -> Message:
        """One line for a page (translated there) or the CLI (its English)."""
        return Message(
            N_("{added} added, {updated} updated, {unchanged} unchanged"),
            added=len(self.added),
            updated=len(self.updated),
            unchanged=len(self.unchanged),
        )


def split_keywords(raw: str, *, casefold: bool) -> tuple[str, ...]:
    """`;`-separated keywords, normalised, without empties or repeats, in file order."""
    seen: dict[str, None] = {}
    for part in raw.split(";"):
        word = " ".join(nfc_trimmed(part).split())
        if casefold:
            word = word.casefold()
        if word:
            seen.setdefault(word, None)
    return tuple(seen)


def parse_departments_csv(data: bytes) -> list[Department]:
    """Parse and check a departments file; raise `DepartmentsFileError` listing every problem."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DepartmentsFileError(
            [
                Message(
                    N_(
                        "line {line}: byte {byte} at character {column} is not UTF-8: save the"
                        " file as UTF-8 (in Excel: 'CSV UTF-8')"
                    ),
                    line=line,
                    byte=f"0x{data[exc.start]:02x}",
                    column=column,
                )
            ]
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[Message] = []
    try:
        header = [nfc_trimmed(name).lower() for name in next(reader)]
    except StopIteration:
        raise DepartmentsFileError(
            [Message(N_("line 1: the file is empty; it needs a header row"))]
        ) from None
    missing = [c for c in COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing:
        problems.append(Message(N_("line 1: missing column(s) {columns}"), columns=Joined(missing)))
    if unknown:
        problems.append(
            Message(
                N_("line 1: unknown column(s) {columns}"),
                columns=Joined(repr(c) for c in unknown),
            )
        )
    if len(set(header)) != len(header):
        problems.append(Message(N_("line 1: a column name appears twice")))
    if problems:
        raise DepartmentsFileError(problems)

    departments: list[Department] = []
    first_line_of_code: dict[str, int] = {}
    keyword_owner: dict[str, tuple[str, int]] = {}
    line = 1
    try:
        for record in reader:
            start = line + 1
            line = reader.line_num
            if not record or all(not cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                problems.append(
                    Message(
                        N_(
                            "line {line}: expected {expected} fields, found {found} (a value"
                            " containing a comma must be in double quotes)"
                        ),
                        line=start,
                        expected=len(header),
                        found=len(record),
                    )
                )
                continue
            row = dict(zip(header, (nfc_trimmed(cell) for cell in record), strict=True))
            department = _check_row(row, start, problems)
            if department is None:
                continue
            if department.code in first_line_of_code:
                problems.append(
                    Message(
                        N_(
                            "line {line}, column code: duplicate code {code}"
                            " (first on line {first})"
                        ),
                        line=start,
                        code=department.code,
                        first=first_line_of_code[department.code],
                    )
                )
                continue
            first_line_of_code[department.code] = start
            for column, words in (
                ("keywords_en", department.keywords_en),
                ("keywords_bn", department.keywords_bn),
            ):
                for word in words:
                    owner = keyword_owner.get(word)
                    if owner and owner[0] != department.code:
                        problems.append(
                            Message(
                                N_(
                                    "line {line}, column {column}: keyword {word} is already"
                                    " used by {code} (line {first}); a keyword routes to one"
                                    " department only"
                                ),
                                line=start,
                                column=column,
                                word=repr(word),
                                code=owner[0],
                                first=owner[1],
                            )
                        )
                    else:
                        keyword_owner[word] = (department.code, start)
            departments.append(department)
    except csv.Error as exc:
        # The csv module's own sentence ("unexpected end of data"): English only.
        problems.append(
            Message(N_("line {line}: {problem}"), line=reader.line_num, problem=str(exc))
        )
    if not departments and not problems:
        problems.append(Message(N_("the file has a header but no departments")))
    if problems:
        raise DepartmentsFileError(problems)
    return departments


def _check_row(row: dict[str, str], line: int | None, problems: list[Message]) -> Department | None:
    """Check one department (`line` None: an edit on the page, not a file) into `problems`."""
    before = len(problems)

    def bad(column: str, problem: Message) -> None:
        # The column keeps its name in every language: it is the file's header.
        if line is None:
            problems.append(Message(N_("{column}: {problem}"), column=column, problem=problem))
        else:
            problems.append(
                Message(
                    N_("line {line}, column {column}: {problem}"),
                    line=line,
                    column=column,
                    problem=problem,
                )
            )

    empty = Message(N_("empty"))
    code = row["code"].upper()
    if not code:
        bad("code", empty)
    elif not _CODE.match(code):
        bad(
            "code",
            Message(
                N_("{value} must be 2-20 letters, digits or _ starting with a letter"),
                value=repr(row["code"]),
            ),
        )
    for column in ("name_en", "name_bn", "controlling_officer", "contact_email"):
        if not row[column]:
            bad(column, empty)
    if row["name_bn"] and not _BENGALI.search(row["name_bn"]):
        bad("name_bn", Message(N_("{value} has no Bengali letters"), value=repr(row["name_bn"])))
    if row["contact_email"] and not _EMAIL.match(row["contact_email"]):
        bad(
            "contact_email",
            Message(N_("{value} is not an e-mail address"), value=repr(row["contact_email"])),
        )
    targets = {}
    for column in ("first_response_target_hours", "resolution_target_hours"):
        raw = row[column]
        if not raw:
            bad(column, Message(N_("empty (give a whole number of hours)")))
        elif not raw.isdigit() or not 0 < int(raw) <= _MAX_TARGET_HOURS:
            bad(
                column,
                Message(
                    N_("{value} is not a whole number of hours between 1 and {most}"),
                    value=repr(raw),
                    most=_MAX_TARGET_HOURS,
                ),
            )
        else:
            targets[column] = int(raw)
    if (
        len(targets) == 2
        and targets["resolution_target_hours"] < targets["first_response_target_hours"]
    ):
        bad(
            "resolution_target_hours",
            Message(N_("is shorter than first_response_target_hours")),
        )
    keywords_en = split_keywords(row["keywords_en"], casefold=True)
    keywords_bn = split_keywords(row["keywords_bn"], casefold=False)
    no_words = Message(N_("empty (give at least one routing word)"))
    if not keywords_en:
        bad("keywords_en", no_words)
    if not keywords_bn:
        bad("keywords_bn", no_words)
    if len(problems) > before:
        return None
    return Department(
        code=code,
        name_en=row["name_en"],
        name_bn=row["name_bn"],
        controlling_officer=row["controlling_officer"],
        contact_email=row["contact_email"],
        keywords_en=keywords_en,
        keywords_bn=keywords_bn,
        first_response_target_hours=targets["first_response_target_hours"],
        resolution_target_hours=targets["resolution_target_hours"],
    )


def departments_to_csv(departments: list[Department]) -> str:
    """The departments as a file `parse_departments_csv` reads back unchanged."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for d in departments:
        writer.writerow(
            [
                d.code,
                d.name_en,
                d.name_bn,
                d.controlling_officer,
                d.contact_email,
                ";".join(d.keywords_en),
                ";".join(d.keywords_bn),
                d.first_response_target_hours,
                d.resolution_target_hours,
            ]
        )
    return out.getvalue()


_SELECT = (
    "SELECT code, name_en, name_bn, controlling_officer, contact_email, keywords_en,"
    " keywords_bn, first_response_target_hours, resolution_target_hours, active"
    " FROM departments"
)


def _department(row: tuple) -> Department:
    return Department(
        row[0], row[1], row[2], row[3], row[4], tuple(row[5]), tuple(row[6]), row[7], row[8], row[9]
    )


class DepartmentService:
    """Reads departments for everyone; imports, exports and edits them for admins."""

    def __init__(self, store: Store, audit: AuditLog) -> None:
        self._store = store
        self._audit = audit

    def list_departments(self, actor: Actor, *, include_inactive: bool = False) -> list[Department]:
        """All departments, by English name."""
        self._audit.authorize(actor, Action.VIEW_DEPARTMENTS)
        return self.all_departments(include_inactive=include_inactive)

    def all_departments(self, *, include_inactive: bool = False) -> list[Department]:
        """All departments without a permission check, for routing and the system itself."""
        where = "" if include_inactive else " WHERE active"
        with self._store.cursor() as cur:
            rows = cur.execute(f"{_SELECT}{where} ORDER BY name_en").fetchall()
        return [_department(r) for r in rows]

    def get(self, actor: Actor, code: str) -> Department:
        """One department's full record (officers: their own only)."""
        self._audit.authorize(actor, Action.VIEW_DEPARTMENT_DETAIL, department_code=code)
        return self._get(code)

    def find(self, code: str) -> Department | None:
        """One department by code without a permission check (the system's own use: its
        names in a notice), or None."""
        try:
            return self._get(code)
        except NotFound:
            return None

    def _get(self, code: str) -> Department:
        with self._store.cursor() as cur:
            row = cur.execute(f"{_SELECT} WHERE code = ?", [code]).fetchone()
        if row is None:
            raise NotFound(N_("no department with code {code!r}"), code=code)
        return _department(row)

    def import_csv(self, actor: Actor, data: bytes, *, source: str = "upload") -> ImportResult:
        """Check a whole file, then add or update its departments in one transaction."""
        self._audit.authorize(actor, Action.MANAGE_DEPARTMENTS)
        try:
            parsed = parse_departments_csv(data)
        except DepartmentsFileError as exc:
            self._audit.record_now(
                actor=actor,
                action="import_departments",
                outcome="failed",
                target_type="file",
                target_id=source,
                detail=f"{len(exc.problems)} problem(s): " + "; ".join(exc.problems[:5]),
            )
            raise
        added, updated, unchanged = [], [], []
        with self._store.transaction() as cur:
            existing = {r[0]: _department(r) for r in cur.execute(_SELECT).fetchall()}
            for department in parsed:
                old = existing.get(department.code)
                if old is not None and replace(old, active=True) == department:
                    unchanged.append(department.code)
                    if not old.active:
                        self._write(cur, department, insert=False)
                    continue
                self._write(cur, department, insert=old is None)
                (added if old is None else updated).append(department.code)
                self._audit.record(
                    cur,
                    actor=actor,
                    action="import_department",
                    target_type="department",
                    target_id=department.code,
                    department_code=department.code,
                    before=asdict(old) if old else None,
                    after=asdict(department),
                    detail=f"from {source}",
                )
        return ImportResult(tuple(added), tuple(updated), tuple(unchanged))

    def export_csv(self, actor: Actor) -> str:
        """Every active department as a CSV file in the import format."""
        self._audit.authorize(actor, Action.VIEW_DEPARTMENTS)
        return departments_to_csv(self.all_departments())

    def update(self, actor: Actor, code: str, **changes: object) -> Department:
        """Change some fields of one department (admins), checked like a file row."""
        self._audit.authorize(actor, Action.MANAGE_DEPARTMENTS)
        old = self._get(code)
        allowed = set(COLUMNS) - {"code"} | {"active"}
        unknown = set(changes) - allowed
        if unknown:
            raise InvalidInput(
                N_("cannot change {fields} of a department"), fields=", ".join(sorted(unknown))
            )
        merged = {**asdict(old), **changes}
        row = {
            column: ";".join(merged[column])
            if isinstance(merged[column], tuple | list)
            else nfc_trimmed(str(merged[column]))
            for column in COLUMNS
        }
        problems: list[Message] = []
        checked = _check_row(row, None, problems)
        if checked is None:
            raise InvalidInput(
                N_("the department cannot be saved: {problems}"), problems=Joined(problems, "; ")
            )
        new = replace(checked, active=bool(merged["active"]))
        clash = self._keyword_clash(new)
        if clash:
            keyword, other = clash
            raise InvalidInput(
                N_(
                    "keyword {keyword!r} is already used by {other}; "
                    "a keyword routes to one department only"
                ),
                keyword=keyword,
                other=other,
            )
        with self._store.transaction() as cur:
            self._write(cur, new, insert=False)
            self._audit.record(
                cur,
                actor=actor,
                action="update_department",
                target_type="department",
                target_id=code,
                department_code=code,
                before=asdict(old),
                after=asdict(new),
            )
        return new

    def _keyword_clash(self, department: Department) -> tuple[str, str] | None:
        """A keyword `department` shares with another department, and that department's code."""
        for other in self.all_departments(include_inactive=True):
            if other.code == department.code:
                continue
            shared = set(department.keywords_en + department.keywords_bn) & set(
                other.keywords_en + other.keywords_bn
            )
            if shared:
                return sorted(shared)[0], other.code
        return None

    @staticmethod
    def _write(cur, d: Department, *, insert: bool) -> None:
        values = [
            d.name_en,
            d.name_bn,
            d.controlling_officer,
            d.contact_email,
            list(d.keywords_en),
            list(d.keywords_bn),
            d.first_response_target_hours,
            d.resolution_target_hours,
            d.active,
            utc_now(),
        ]
        if insert:
            cur.execute(
                "INSERT INTO departments (name_en, name_bn, controlling_officer, contact_email,"
                " keywords_en, keywords_bn, first_response_target_hours,"
                " resolution_target_hours, active, updated_at, code)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [*values, d.code],
            )
        else:
            cur.execute(
                "UPDATE departments SET name_en = ?, name_bn = ?, controlling_officer = ?,"
                " contact_email = ?, keywords_en = ?, keywords_bn = ?,"
                " first_response_target_hours = ?, resolution_target_hours = ?, active = ?,"
                " updated_at = ? WHERE code = ?",
                [*values, d.code],
            )
