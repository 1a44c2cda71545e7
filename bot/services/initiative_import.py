"""Bring in initiatives collected elsewhere from a CSV file: all or nothing, every problem with its line.

The columns (header row required, names as below, in any order; UTF-8, comma or semicolon separated,
as spreadsheet programs save "CSV UTF-8"):

- `title` (required): 5-100 characters
- `description` (required): 30-2000 characters
- `theme` (required): a theme's slug, Dutch or English name (`nature`, `Groen en natuur`)
- `municipality` (required): a municipality's CBS code, name or slug (`GM0153`, `Enschede`)
- `status`: `published` (the default) or `submitted` (then staff review it in /queue)
- `audience`: who it is for, 3-500 characters
- `help_needed`: kinds of help separated by `,` `;` or `|`: volunteers, money, place, knowledge,
  materials (or in Dutch: vrijwilligers, geld, plek, kennis, materialen)
- `budget`: euros, Dutch or English notation (`2500`, `€ 2.500,50`, `2,500.50`)
- `initiator_name`: the public name shown as initiator, at most 64 characters
- `date`: when it was published (or submitted): `YYYY-MM-DD` or an ISO date-time; default now;
  not in the future

Imported initiatives have no initiator in the bot (they were collected elsewhere). A row whose title
and municipality match an initiative already in the database (or an earlier row) is refused, so
running the same file twice imports nothing the second time.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, time
from typing import Any

from tortoise.transactions import in_transaction

from bot.services import initiatives, places
from bot.services.errors import ImportFailed, InvalidValue, RowError
from models.initiative import Initiative, Status
from models.region import Municipality, Theme

COLUMNS = ("title", "description", "theme", "municipality", "status", "audience", "help_needed", "budget",
           "initiator_name", "date")
REQUIRED = ("title", "description", "theme", "municipality")
STATUSES = {"published": Status.PUBLISHED, "submitted": Status.SUBMITTED}
HELP_SYNONYMS = {"vrijwilligers": "volunteers", "vrijwilliger": "volunteers", "geld": "money", "plek": "place",
                 "ruimte": "place", "locatie": "place", "kennis": "knowledge", "materiaal": "materials",
                 "materialen": "materials"}
INITIATOR_NAME_MAX = 64
MAX_ROWS = 10_000


def read_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """The file's rows as (line where the row starts, column -> text); ImportFailed on a bad header."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFailed([RowError(1, "file", "not UTF-8 text (save it as “CSV UTF-8”)")]) from error
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise ImportFailed([RowError(1, "file", "empty: expected a header row")]) from None
    except csv.Error as error:
        raise ImportFailed([RowError(1, "file", f"not readable as CSV ({error})")]) from None
    errors = [RowError(1, name or "(empty)", "unknown column") for name in header if name not in COLUMNS]
    errors += [RowError(1, name, "column missing") for name in REQUIRED if name not in header]
    errors += [RowError(1, name, "column appears twice") for name in sorted(set(header)) if header.count(name) > 1]
    if errors:
        raise ImportFailed(errors)
    rows: list[tuple[int, dict[str, str]]] = []
    start = reader.line_num + 1
    try:
        for values in reader:
            if any(value.strip() for value in values):
                if len(values) != len(header):
                    errors.append(RowError(start, "row", f"{len(values)} fields, the header has {len(header)}"))
                else:
                    rows.append((start, {name: value.strip() for name, value in zip(header, values, strict=True)}))
            start = reader.line_num + 1
    except csv.Error as error:
        errors.append(RowError(start, "row", f"not readable as CSV ({error})"))
    if errors:
        raise ImportFailed(errors)
    if not rows:
        raise ImportFailed([RowError(2, "file", "no initiatives in the file")])
    if len(rows) > MAX_ROWS:
        raise ImportFailed([RowError(rows[MAX_ROWS][0], "file", f"more than {MAX_ROWS} rows: split the file")])
    return rows


class _Lookups:
    """Themes and municipalities by every name a file may use, and the initiatives already there."""

    def __init__(self, themes: list[Theme], municipalities: list[Municipality], existing: set[tuple[str, int]]):
        self.themes = {key: theme for theme in themes
                       for key in (theme.slug.lower(), theme.name_nl.lower(), theme.name_en.lower())}
        self.municipalities = {key: place for place in municipalities
                               for key in (place.code.lower(), place.slug.lower(), place.name.lower())}
        self.seen = existing

    @classmethod
    async def load(cls) -> _Lookups:
        existing = await Initiative.exclude(municipality_id=None).values_list("title", "municipality_id")
        return cls(await Theme.all(), await Municipality.all(),
                   {(title.casefold(), place) for title, place in existing})


def _clean(field: str, value: str, clean: Any) -> Any:
    try:
        return clean(value)
    except InvalidValue as error:
        if error.code == "too_short":
            raise ValueError(f"too short (at least {error.limit} characters)") from None
        if error.code == "too_long":
            raise ValueError(f"too long (at most {error.limit} characters)") from None
        if error.code == "budget_too_high":
            raise ValueError(f"more than € {error.limit:,}".replace(",", ".")) from None
        raise ValueError(f"not a valid {field.replace('_', ' ')}") from None


def _help(value: str) -> list[str]:
    kinds = [HELP_SYNONYMS.get(kind, kind) for kind in re.split(r"[\s,;|]+", value.lower()) if kind]
    unknown = [kind for kind in kinds if kind not in initiatives.HELP_KINDS]
    if unknown:
        raise ValueError(f"unknown kind {unknown[0][:30]!r} (use {', '.join(initiatives.HELP_KINDS)})")
    return [kind for kind in initiatives.HELP_KINDS if kind in kinds]


def _date(value: str, now: datetime) -> datetime:
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            moment = datetime.combine(date.fromisoformat(value), time(12), UTC)
        else:
            moment = datetime.fromisoformat(value)
            moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except ValueError:
        raise ValueError("not a date (use YYYY-MM-DD)") from None
    if moment.date() > now.date():
        raise ValueError("in the future")
    return moment


async def _municipality_hint(value: str) -> str:
    matches = await places.find_municipality(value)
    return f" (did you mean {matches[0].name}?)" if len(matches) == 1 else ""


async def check_row(line: int, row: dict[str, str], lookups: _Lookups, now: datetime,
                    errors: list[RowError]) -> dict[str, Any] | None:
    """The fields of one initiative from a row, or None after adding its problems to `errors`."""
    found: dict[str, Any] = {}
    problems = len(errors)

    def check(field: str, convert: Any) -> None:
        value = row.get(field, "")
        if not value:
            if field in REQUIRED:
                errors.append(RowError(line, field, "empty"))
            return
        try:
            found[field] = convert(value)
        except ValueError as error:
            errors.append(RowError(line, field, str(error)))

    check("title", lambda v: _clean("title", v, initiatives.clean_title))
    check("description", lambda v: _clean("description", v, initiatives.clean_description))
    check("audience", lambda v: _clean("audience", v, initiatives.clean_audience))
    check("help_needed", _help)
    check("budget", lambda v: _clean("budget", v, initiatives.parse_budget))
    check("date", lambda v: _date(v, now))

    def lookup(table: dict[str, Any], what: str) -> Any:
        def find(value: str) -> Any:
            if value.lower() not in table:
                raise ValueError(f"unknown {what} {value[:50]!r}")
            return table[value.lower()]
        return find

    check("theme", lookup(lookups.themes, "theme"))
    check("municipality", lookup(lookups.municipalities, "municipality"))
    if row.get("municipality") and "municipality" not in found and errors and errors[-1].field == "municipality":
        hint = await _municipality_hint(row["municipality"])
        errors[-1] = RowError(line, "municipality", errors[-1].message + hint)
    check("status", lambda v: STATUSES[v.lower()] if v.lower() in STATUSES else _bad_status(v))
    name = row.get("initiator_name", "")
    if len(name) > INITIATOR_NAME_MAX:
        errors.append(RowError(line, "initiator_name", f"too long (at most {INITIATOR_NAME_MAX} characters)"))
    if "title" in found and "municipality" in found:
        key = (found["title"].casefold(), found["municipality"].id)
        if key in lookups.seen:
            errors.append(RowError(line, "title", "an initiative with this title in this municipality exists already"))
        lookups.seen.add(key)
    if len(errors) > problems:
        return None
    status = found.get("status", Status.PUBLISHED)
    moment = found.get("date", now)
    return {
        "title": found["title"], "description": found["description"], "audience": found.get("audience"),
        "help_needed": found.get("help_needed", []), "budget_cents": found.get("budget"),
        "theme_id": found["theme"].id, "municipality_id": found["municipality"].id,
        "initiator_name": name or None, "status": status, "submitted_at": moment,
        "published_at": moment if status == Status.PUBLISHED else None,
    }


def _bad_status(value: str) -> Status:
    raise ValueError(f"unknown status {value[:30]!r} (use {' or '.join(STATUSES)})")


async def import_initiatives(data: bytes, *, dry_run: bool = False) -> int:
    """Import every initiative in a CSV file's bytes, or none: ImportFailed lists every problem."""
    rows = read_rows(data)
    lookups = await _Lookups.load()
    now = datetime.now(UTC)
    errors: list[RowError] = []
    checked = [await check_row(line, row, lookups, now, errors) for line, row in rows]
    if errors:
        raise ImportFailed(errors)
    if dry_run:
        return len(checked)
    async with in_transaction():
        for fields in checked:
            assert fields is not None
            await Initiative.create(**fields)
    return len(checked)
