"""Moving the database (e.g. SQLite → PostgreSQL): every row of every table to a file and back.

The file is JSON lines: a header line, then one line per row, table after table in an order where
every row comes after the rows it refers to:

    {"format": "samen-voor-elkaar-dump", "version": 1, "migrations": [...], "tables": {"citizen": [...]}}
    {"table": "municipality", "row": {"id": 1, "code": "GM0141", ...}}

Rows keep their ids and every value as stored: timestamps (also `updated_at`-style ones that the ORM
would otherwise set to "now") as ISO 8601 in UTC, JSON fields as JSON text. The full-text search
index is not in the file; the target database rebuilds it (SQLite triggers, a PostgreSQL index).

`import_database` needs a target migrated to the same migrations as the source and holding no data
but the region's seed (which the file replaces). It loads everything in one transaction (a bad line
changes nothing), then moves PostgreSQL's id sequences past the imported ids.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from tortoise import Tortoise, connections
from tortoise.fields import DateField, DatetimeField, JSONField
from tortoise.models import Model
from tortoise.transactions import in_transaction

from bot.services.errors import DomainError

FORMAT = "samen-voor-elkaar-dump"
VERSION = 1
SEED_TABLES = ("municipality", "theme")  # loaded at every start; the file's rows replace them
BATCH = 500


class DumpError(DomainError):
    """The file cannot be imported (or the target is not ready for it); nothing was changed."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message, self.line = message, line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


def models_in_order() -> list[type[Model]]:
    """Every model, each after the models it refers to (by foreign key)."""
    models = sorted(Tortoise.apps["models"].values(), key=lambda model: model._meta.db_table)
    ordered: list[type[Model]] = []
    visiting: set[type[Model]] = set()

    def visit(model: type[Model]) -> None:
        if model in ordered or model in visiting:
            return
        visiting.add(model)
        for name in sorted(model._meta.fk_fields | model._meta.o2o_fields):
            related = model._meta.fields_map[name].related_model  # type: ignore[attr-defined]
            if related is not model:
                visit(related)
        visiting.discard(model)
        ordered.append(model)

    for model in models:
        visit(model)
    return ordered


def _columns(model: type[Model]) -> list[str]:
    """The model's stored fields by name (foreign keys as their `_id` field), primary key first."""
    names = list(model._meta.fields_db_projection)
    pk = model._meta.pk_attr
    return [pk, *(name for name in names if name != pk)]


def _to_json(model: type[Model], name: str, value: Any) -> Any:
    field = model._meta.fields_map[name]
    if value is None:
        return None
    if isinstance(field, JSONField):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    return value


async def _applied_migrations() -> list[str]:
    _, rows = await connections.get("default").execute_query(
        "SELECT app, name FROM tortoise_migrations ORDER BY app, name")
    return [f"{row['app']}.{row['name']}" for row in rows]


async def table_rows(model: type[Model]) -> list[dict[str, Any]]:
    """Every row of a model's table as JSON-ready values, by primary key."""
    columns = _columns(model)
    pk = columns[0]
    rows: list[dict[str, Any]] = []
    last: Any = None
    while True:
        query = model.all().order_by(pk).limit(BATCH)
        if last is not None:
            query = query.filter(**{f"{pk}__gt": last})
        batch = await query.values(*columns)
        rows.extend({name: _to_json(model, name, row[name]) for name in columns} for row in batch)
        if len(batch) < BATCH:
            return rows
        last = batch[-1][pk]


async def export_database(path: Path) -> dict[str, int]:
    """Write every row of every table to `path` (atomically: a temporary file renamed at the end)."""
    counts: dict[str, int] = {}
    temporary = path.with_name(path.name + ".partial")
    async with in_transaction() as connection:
        if connection.capabilities.dialect == "postgres":
            await connection.execute_script("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        models = models_in_order()
        header = {"format": FORMAT, "version": VERSION, "created_at": datetime.now(UTC).isoformat(),
                  "migrations": await _applied_migrations(),
                  "tables": {model._meta.db_table: _columns(model) for model in models}}
        with temporary.open("w", encoding="utf-8") as out:
            out.write(json.dumps(header, ensure_ascii=False) + "\n")
            for model in models:
                table = model._meta.db_table
                rows = await table_rows(model)
                for row in rows:
                    out.write(json.dumps({"table": table, "row": row}, ensure_ascii=False) + "\n")
                counts[table] = len(rows)
            out.flush()
            os.fsync(out.fileno())
    temporary.replace(path)
    return counts


def _read_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open("rb") as source:
        for number, line in enumerate(source, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line.decode("utf-8"))
            except ValueError:  # UnicodeDecodeError too
                raise DumpError("not a JSON line", number) from None
            if not isinstance(item, dict):
                raise DumpError("not a JSON object", number)
            yield number, item


async def _check_target(models: list[type[Model]]) -> None:
    for model in models:
        if model._meta.db_table not in SEED_TABLES and await model.all().exists():
            raise DumpError(f"the target database is not empty (table {model._meta.db_table} has rows); "
                            "import-db needs a new, empty database")


class _VerbatimTimestamps:
    """While importing, store timestamps as they are in the file: no auto_now / auto_now_add."""

    def __init__(self, models: list[type[Model]]) -> None:
        self.fields = [field for model in models for field in model._meta.fields_map.values()
                       if isinstance(field, DatetimeField) and (field.auto_now or field.auto_now_add)]
        self.saved: list[tuple[bool, bool]] = []

    def __enter__(self) -> None:
        self.saved = [(field.auto_now, field.auto_now_add) for field in self.fields]
        for field in self.fields:
            field.auto_now = field.auto_now_add = False

    def __exit__(self, *exc: object) -> None:
        for field, (auto_now, auto_now_add) in zip(self.fields, self.saved, strict=True):
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def _instance(model: type[Model], row: dict[str, Any], columns: list[str], number: int) -> Model:
    if set(row) != set(columns):
        raise DumpError(f"the row's columns do not match table {model._meta.db_table}", number)
    values = {}
    for name, value in row.items():
        field = model._meta.fields_map[name]
        if isinstance(field, DateField | DatetimeField) and isinstance(value, str):
            value = datetime.fromisoformat(value) if isinstance(field, DatetimeField) else date.fromisoformat(value)
        values[name] = value
    try:
        return model(**values)
    except (ValueError, TypeError) as error:
        raise DumpError(f"a value does not fit table {model._meta.db_table}: {error}", number) from None


async def import_database(path: Path) -> dict[str, int]:
    """Load a file written by `export_database` into this (migrated, empty) database."""
    lines = _read_lines(path)
    try:
        first = next(lines, None)
    except DumpError:
        raise DumpError(f"not a {FORMAT} file", 1) from None
    if first is None or first[1].get("format") != FORMAT:
        raise DumpError(f"not a {FORMAT} file", first[0] if first else None)
    number, header = first
    if header.get("version") != VERSION:
        raise DumpError(f"dump format version {header.get('version')} (this version reads {VERSION})", number)
    models = models_in_order()
    by_table = {model._meta.db_table: model for model in models}
    tables = header.get("tables") or {}
    mine = await _applied_migrations()
    if sorted(header.get("migrations") or []) != mine:
        raise DumpError("the file and this database have different migrations: run the same version of the "
                        "bot on both (start it once, or `python -m bot migrate`, on the older one)", number)
    for table, columns in tables.items():
        if table not in by_table or sorted(columns) != sorted(_columns(by_table[table])):
            raise DumpError(f"table {table} differs between the file and this version", number)
    await _check_target(models)
    counts = dict.fromkeys(tables, 0)
    with _VerbatimTimestamps(models):
        async with in_transaction() as connection:
            for table in reversed([m._meta.db_table for m in models if m._meta.db_table in SEED_TABLES]):
                await by_table[table].all().delete()
            batch: list[Model] = []
            batch_model: type[Model] | None = None
            for number, item in lines:
                table = item.get("table")
                if table not in tables or not isinstance(item.get("row"), dict):
                    raise DumpError(f"unknown table {str(table)[:40]!r}", number)
                model = by_table[table]
                if batch and model is not batch_model:
                    await batch_model.bulk_create(batch)  # type: ignore[union-attr]
                    batch = []
                batch_model = model
                batch.append(_instance(model, item["row"], tables[table], number))
                counts[table] += 1
                if len(batch) >= BATCH:
                    await model.bulk_create(batch)
                    batch = []
            if batch and batch_model is not None:
                await batch_model.bulk_create(batch)
            if connection.capabilities.dialect == "postgres":
                await _reset_sequences(connection, models)
    return counts


async def _reset_sequences(connection: Any, models: list[type[Model]]) -> None:
    """Let PostgreSQL hand out ids after the imported ones."""
    for model in models:
        pk = model._meta.fields_map[model._meta.pk_attr]
        if not pk.generated:
            continue
        table, column = model._meta.db_table, pk.source_field or model._meta.pk_attr
        await connection.execute_script(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), "
            f"COALESCE((SELECT MAX(\"{column}\") FROM \"{table}\"), 0) + 1, false)")


async def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every table's rows as the dump would write them (to compare two databases row by row)."""
    return {model._meta.db_table: await table_rows(model) for model in models_in_order()}
