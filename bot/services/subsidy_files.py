"""Subsidy routes as files: import (all-or-nothing, idempotent) and export, as YAML or CSV.

A file lists routes with these fields (see bot/seed/subsidies.example.yaml):

    code            required, unique key: a re-import updates the route with this code
    name, provider  required
    description_nl, description_en, url (http/https), contact    optional text
    themes, municipalities, applicant_types     lists; empty = every theme / the whole region /
                    every applicant. Municipalities by code (GM0193) or name (Zwolle).
    min_amount, max_amount      euros (1500 or 1500.50), optional
    opens_on, deadline          YYYY-MM-DD, optional
    is_example      true for example data

In CSV the lists are separated by spaces, commas or semicolons; the delimiter may be a comma or
a semicolon (as Excel writes it in Dutch). Every problem is reported with its line and field,
and nothing is changed unless the whole file is valid.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from tortoise.transactions import in_transaction

from bot.services.errors import ImportFailed, RowError
from bot.services.subsidies import MAX_AMOUNT_CENTS, ApplicantType
from models.region import Municipality, Theme
from models.subsidy import SubsidyRoute

FIELDS = ("code", "name", "provider", "description_nl", "description_en", "themes", "municipalities",
          "applicant_types", "min_amount", "max_amount", "opens_on", "deadline", "url", "contact", "is_example")
REQUIRED = ("code", "name", "provider")
LIST_FIELDS = ("themes", "municipalities", "applicant_types")
TEXT_LIMITS = {"code": 64, "name": 200, "provider": 200, "description_nl": 4000, "description_en": 4000,
               "url": 500, "contact": 200}
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
EURO_RE = re.compile(r"^\d+(?:[.,]\d{1,2})?$")
TRUE = {"true", "yes", "1", "ja", "waar"}
FALSE = {"false", "no", "0", "nee", "onwaar", ""}
YAML_HEADER = """\
# Subsidy routes of the subsidy desk, exported by `python -m bot subsidies export`.
# Edit and load again with `python -m bot subsidies import FILE` (rows are matched on code).
"""


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"{len(self.added)} added, {len(self.changed)} changed, {len(self.unchanged)} unchanged, "
                f"{len(self.removed)} removed")


@dataclass
class _RawRow:
    line: int
    values: dict[str, Any]
    lines: dict[str, int]  # line of each field (YAML); the row's line otherwise


def _file_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".csv":
        return "csv"
    raise ImportFailed([RowError(0, "file", f"unsupported file type {suffix or '(none)'!r}: use .yaml, .yml or .csv")])


class _Loader(yaml.SafeLoader):
    """YAML without guessing dates and decimals: '2026-02-30' and '5.000' reach validation as written."""


def _as_written(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _as_written)
_Loader.add_constructor("tag:yaml.org,2002:float", _as_written)


def _read_yaml(text: str) -> list[_RawRow]:
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return []
        if isinstance(root, yaml.MappingNode):
            routes = next((value for key, value in root.value if key.value == "routes"), None)
            if routes is None:
                raise ImportFailed([RowError(root.start_mark.line + 1, "routes", "expected a list under 'routes:'")])
            root = routes
        if not isinstance(root, yaml.SequenceNode):
            raise ImportFailed([RowError(root.start_mark.line + 1, "routes", "expected a list of routes")])
        rows = []
        for item in root.value:
            line = item.start_mark.line + 1
            if not isinstance(item, yaml.MappingNode):
                raise ImportFailed([RowError(line, "route", "expected a route (key: value pairs)")])
            values: dict[str, Any] = {}
            lines: dict[str, int] = {}
            for key_node, value_node in item.value:
                key = str(loader.construct_object(key_node, deep=True))
                if key in values:
                    raise ImportFailed([RowError(key_node.start_mark.line + 1, key, "given twice in one route")])
                values[key] = loader.construct_object(value_node, deep=True)
                lines[key] = value_node.start_mark.line + 1
            rows.append(_RawRow(line, values, lines))
        return rows
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        raise ImportFailed([RowError(line, "file", f"not valid YAML: {error.problem or error}")]) from error
    finally:
        loader.dispose()


def _read_csv(text: str) -> list[_RawRow]:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip() for name in reader.fieldnames or []]
        unknown = [name for name in header if name not in FIELDS]
        if unknown:
            raise ImportFailed([RowError(1, name, f"unknown column (known columns: {', '.join(FIELDS)})")
                                for name in unknown])
        rows = []
        for record in reader:
            extra = record.pop(None, None)  # type: ignore[call-overload]
            line = reader.line_num - sum(str(v).count("\n") for v in record.values() if v)
            if extra:
                raise ImportFailed([RowError(line, "row", f"{len(header) + len(extra)} cells, "
                                                         f"but the header has {len(header)} columns")])
            values = {key.strip(): value for key, value in record.items() if key and value is not None}
            rows.append(_RawRow(line, values, {}))
        return rows
    except csv.Error as error:
        raise ImportFailed([RowError(reader.line_num, "file", f"not valid CSV: {error}")]) from error


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list, bool)):
        raise ValueError("expected text")
    return str(value).strip()


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in re.split(r"[\s,;|]+", value) if part]
    if isinstance(value, list) and all(isinstance(item, (str, int)) and not isinstance(item, bool) for item in value):
        return [str(item).strip() for item in value if str(item).strip()]
    raise ValueError("expected a list")


def _as_cents(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError("expected an amount in euros, like 1500 or 1500.50")
    text = repr(value) if isinstance(value, float) else str(value).strip().replace("€", "").strip()
    if not EURO_RE.match(text):
        raise ValueError(f"{str(value)[:30]!r} is not an amount in euros (like 1500 or 1500.50)")
    try:
        cents = int(Decimal(text.replace(",", ".")) * 100)
    except InvalidOperation as error:  # pragma: no cover - the pattern admits digits only
        raise ValueError("not an amount") from error
    if cents > MAX_AMOUNT_CENTS:
        raise ValueError(f"more than the largest amount ({MAX_AMOUNT_CENTS // 100} euros)")
    return cents


def _as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        raise ValueError("expected a date without a time (YYYY-MM-DD)")
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        if not re.match(r"^\d{4}-\d{2}-\d{2}$", text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError as error:
        raise ValueError(f"{text[:30]!r} is not a date (YYYY-MM-DD)") from error


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _as_text(value).lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(f"{text[:30]!r} is not true or false")


@dataclass
class _Known:
    themes: set[str]
    municipalities: dict[str, str]  # code or lower-case name -> code


async def _known() -> _Known:
    municipalities: dict[str, str] = {}
    for code, name in await Municipality.all().values_list("code", "name"):
        municipalities[code.lower()] = code
        municipalities[name.casefold()] = code
    return _Known(set(await Theme.all().values_list("slug", flat=True)), municipalities)


def _validate(raw: _RawRow, known: _Known) -> tuple[dict[str, Any], list[RowError]]:
    """The model values of one row, or the problems with it."""
    errors: list[RowError] = []
    out: dict[str, Any] = {}

    def fail(name: str, message: str) -> None:
        errors.append(RowError(raw.lines.get(name, raw.line), name, message))

    for name in raw.values:
        if name not in FIELDS:
            fail(name, f"unknown field (known fields: {', '.join(FIELDS)})")
    for name in FIELDS:
        value = raw.values.get(name)
        try:
            if name in TEXT_LIMITS:
                text = _as_text(value)
                if name in REQUIRED and not text:
                    raise ValueError("missing (required)")
                if len(text) > TEXT_LIMITS[name]:
                    raise ValueError(f"longer than {TEXT_LIMITS[name]} characters")
                if name == "code" and not CODE_RE.match(text):
                    raise ValueError("use letters, digits, '-', '_' and '.' only")
                if name == "url" and text and not re.match(r"^https?://[^\s/]+\S*$", text):
                    raise ValueError("must be an http:// or https:// address")
                out[name] = text
            elif name in LIST_FIELDS:
                out[name] = _list_field(name, _as_list(value), known)
            elif name in ("min_amount", "max_amount"):
                out[name + "_cents"] = _as_cents(value)
            elif name in ("opens_on", "deadline"):
                out[name] = _as_date(value)
            else:
                out[name] = _as_bool(value)
        except ValueError as error:
            fail(name, str(error))
    low, high = out.get("min_amount_cents"), out.get("max_amount_cents")
    if low is not None and high is not None and low > high:
        fail("max_amount", "smaller than min_amount")
    opens, deadline = out.get("opens_on"), out.get("deadline")
    if opens is not None and deadline is not None and opens > deadline:
        fail("deadline", "before opens_on")
    return out, errors


def _list_field(name: str, items: list[str], known: _Known) -> list[str]:
    result: list[str] = []
    for item in items:
        if name == "themes":
            if item not in known.themes:
                raise ValueError(f"unknown theme {item[:30]!r} (known: {', '.join(sorted(known.themes))})")
            value = item
        elif name == "municipalities":
            value = known.municipalities.get(item.casefold()) or ""
            if not value:
                raise ValueError(f"unknown municipality {item[:30]!r} (use its code, like GM0193, or its name)")
        else:
            if item not in {kind.value for kind in ApplicantType}:
                raise ValueError(f"unknown applicant type {item[:30]!r} "
                                 f"(known: {', '.join(t.value for t in ApplicantType)})")
            value = item
        if value not in result:
            result.append(value)
    return result


def _row_values(route: SubsidyRoute) -> dict[str, Any]:
    return {"code": route.code, "name": route.name, "provider": route.provider,
            "description_nl": route.description_nl, "description_en": route.description_en,
            "themes": list(route.themes or []), "municipalities": list(route.municipalities or []),
            "applicant_types": list(route.applicant_types or []), "min_amount_cents": route.min_amount_cents,
            "max_amount_cents": route.max_amount_cents, "opens_on": route.opens_on, "deadline": route.deadline,
            "url": route.url, "contact": route.contact, "is_example": route.is_example}


async def read_routes(path: Path) -> list[dict[str, Any]]:
    """The validated routes of a file, or ImportFailed with every problem found."""
    kind = _file_kind(path)
    try:
        text = await asyncio.to_thread(path.read_text, encoding="utf-8-sig")
    except FileNotFoundError as error:
        raise ImportFailed([RowError(0, "file", f"{path} does not exist")]) from error
    except UnicodeDecodeError as error:
        raise ImportFailed([RowError(0, "file", "not UTF-8 text")]) from error
    raw_rows = _read_yaml(text) if kind == "yaml" else _read_csv(text)
    if not raw_rows:  # most likely the wrong file; with --prune it would remove every route
        raise ImportFailed([RowError(0, "file", "no routes in the file")])
    known = await _known()
    routes: list[dict[str, Any]] = []
    errors: list[RowError] = []
    first_line: dict[str, int] = {}
    for raw in raw_rows:
        values, problems = _validate(raw, known)
        errors.extend(problems)
        code = values.get("code")
        if code and code in first_line:
            errors.append(RowError(raw.lines.get("code", raw.line), "code",
                                   f"duplicate code {code!r} (first on line {first_line[code]})"))
        elif code:
            first_line[code] = raw.lines.get("code", raw.line)
        routes.append(values)
    if errors:
        raise ImportFailed(sorted(errors, key=lambda error: error.line))
    return routes


async def import_routes(path: Path, *, prune: bool = False, dry_run: bool = False) -> ImportReport:
    """Load a file of routes: add new codes, update changed ones, all in one transaction.

    `prune` also removes routes whose code is not in the file; `dry_run` only reports.
    """
    routes = await read_routes(path)
    report = ImportReport()
    async with in_transaction() as connection:
        existing = {route.code: route for route in await SubsidyRoute.all().using_db(connection)}
        for values in routes:
            current = existing.get(values["code"])
            if current is None:
                report.added.append(values["code"])
                if not dry_run:
                    await SubsidyRoute.create(**values, using_db=connection)
            elif _row_values(current) != values:
                report.changed.append(values["code"])
                if not dry_run:
                    await SubsidyRoute.filter(id=current.id).using_db(connection).update(**values)
            else:
                report.unchanged.append(values["code"])
        if prune:
            report.removed = sorted(set(existing) - {values["code"] for values in routes})
            if report.removed and not dry_run:
                await SubsidyRoute.filter(code__in=report.removed).using_db(connection).delete()
    return report


def _export_value(name: str, value: Any, for_csv: bool) -> Any:
    if name in ("min_amount", "max_amount"):
        if value is None:
            return "" if for_csv else None
        euros = value // 100 if value % 100 == 0 else float(Decimal(value) / 100)
        return str(euros) if for_csv else euros
    if for_csv:
        if isinstance(value, list):
            return " ".join(value)
        if isinstance(value, bool):
            return "true" if value else "false"
        return "" if value is None else value.isoformat() if isinstance(value, date) else value
    return value


def _write_whole(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file, so a failure never leaves half a file."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


async def export_routes(path: Path) -> int:
    """Write every route to `path` (YAML or CSV by its extension); return how many."""
    kind = _file_kind(path)
    rows = []
    for route in await SubsidyRoute.all().order_by("code"):
        values = _row_values(route)
        values["min_amount"] = values.pop("min_amount_cents")
        values["max_amount"] = values.pop("max_amount_cents")
        rows.append({name: _export_value(name, values[name], kind == "csv") for name in FIELDS})
    if kind == "csv":
        buffer = io.StringIO(newline="")
        writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        text = buffer.getvalue()
    else:
        text = YAML_HEADER + yaml.safe_dump({"routes": rows}, allow_unicode=True, sort_keys=False, width=100)
    await asyncio.to_thread(_write_whole, path, text)
    return len(rows)
