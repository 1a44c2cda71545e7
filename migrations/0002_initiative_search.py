"""Full-text search over initiatives (title, description, audience), kept in sync by the database.

SQLite: an FTS5 table with external content (tokenizer `unicode61 remove_diacritics 2`: case and
accents ignored) and triggers that follow every insert, update and delete of `initiative`.
PostgreSQL: an immutable function that folds accents (Unicode NFKD, so the unaccent extension is not
needed) and punctuation and builds a Dutch tsvector, and a GIN index on it.
bot/services/search.py queries both.
Hand-written: scripts/makemigrations keeps this file while it regenerates 0001_initial.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

SQLITE_UP = [
    "CREATE VIRTUAL TABLE initiative_fts USING fts5(title, description, audience, content='initiative', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER initiative_fts_insert AFTER INSERT ON initiative BEGIN "
    "INSERT INTO initiative_fts(rowid, title, description, audience) "
    "VALUES (new.id, new.title, new.description, new.audience); END",
    "CREATE TRIGGER initiative_fts_delete AFTER DELETE ON initiative BEGIN "
    "INSERT INTO initiative_fts(initiative_fts, rowid, title, description, audience) "
    "VALUES ('delete', old.id, old.title, old.description, old.audience); END",
    "CREATE TRIGGER initiative_fts_update AFTER UPDATE OF title, description, audience ON initiative BEGIN "
    "INSERT INTO initiative_fts(initiative_fts, rowid, title, description, audience) "
    "VALUES ('delete', old.id, old.title, old.description, old.audience); "
    "INSERT INTO initiative_fts(rowid, title, description, audience) "
    "VALUES (new.id, new.title, new.description, new.audience); END",
    "INSERT INTO initiative_fts(initiative_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS initiative_fts_update",
    "DROP TRIGGER IF EXISTS initiative_fts_delete",
    "DROP TRIGGER IF EXISTS initiative_fts_insert",
    "DROP TABLE IF EXISTS initiative_fts",
]


# NFKD splits accented letters into letter + combining mark; the marks are removed (as Python's
# bot.services.search.fold does). Punctuation becomes a space: PostgreSQL's parser would otherwise
# read tags, URLs and hyphenated words as special tokens ("<b>x</b>" drops x), while FTS5 splits on
# every character that is not a letter or digit. normalize() needs PostgreSQL 13+ and a UTF-8 database.
COMBINING_MARKS = r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
POSTGRES_UP = [
    "CREATE OR REPLACE FUNCTION initiative_search_vector(title text, description text, audience text) "
    "RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE COST 500 AS $$ "
    "SELECT to_tsvector('pg_catalog.dutch'::regconfig, regexp_replace(regexp_replace(normalize("
    "coalesce(title, '') || ' ' || coalesce(description, '') || ' ' || coalesce(audience, ''), NFKD), "
    f"'{COMBINING_MARKS}', '', 'g'), '[[:punct:]]', ' ', 'g')) $$",
    "CREATE INDEX IF NOT EXISTS initiative_search_idx ON initiative "
    "USING gin (initiative_search_vector(title, description, audience))",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS initiative_search_idx",
    "DROP FUNCTION IF EXISTS initiative_search_vector(text, text, text)",
]


async def _run(schema_editor, sqlite: list[str], postgres: list[str]) -> None:
    client = schema_editor.client
    statements = sqlite if client.capabilities.dialect == "sqlite" else postgres
    for statement in statements:
        await client.execute_script(statement)


async def forwards(apps, schema_editor) -> None:
    await _run(schema_editor, SQLITE_UP, POSTGRES_UP)


async def backwards(apps, schema_editor) -> None:
    await _run(schema_editor, SQLITE_DOWN, POSTGRES_DOWN)


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    operations = [ops.RunPython(forwards, backwards)]
