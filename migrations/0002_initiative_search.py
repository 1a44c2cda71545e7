"""Full-text search over initiatives (title, description, audience), kept in sync by the database.

SQLite: an FTS5 table with external content (tokenizer `unicode61 remove_diacritics 2`: case and
accents ignored) and triggers that follow every insert, update and delete of `initiative`.
PostgreSQL: an immutable function that folds accents and punctuation (translate(), so the unaccent
extension is not needed) and builds a Dutch tsvector, and a GIN index on it. bot/services/search.py queries both.
Hand-written: scripts/makemigrations keeps this file while it regenerates 0001_initial.
"""

import unicodedata

from tortoise import migrations
from tortoise.migrations import operations as ops

# PostgreSQL's parser reads tags, URLs, e-mail addresses and hyphenated words as special tokens
# ("<b>x</b>" drops x); FTS5 splits on every character that is not a letter or digit. Turning
# punctuation into spaces first makes both databases see the same words.
PUNCTUATION = "!\"#%&'()*+,-./:;<=>?@[\\]^_`{|}~"


def _accent_map() -> tuple[str, str]:
    """Latin letters with diacritics (both cases) and the lower-case ASCII letter each folds to,
    then ASCII punctuation and a space for each."""
    source, target = list(PUNCTUATION), [" "] * len(PUNCTUATION)
    for code in range(0xC0, 0x250):
        char = chr(code)
        letters = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        if len(letters) == 1 and letters != char and letters.isascii() and letters.isalpha():
            source.append(char)
            target.append(letters.lower())
    return "".join(source), "".join(target)


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


def _quoted(text: str) -> str:
    return text.replace("'", "''")


def _postgres_up() -> list[str]:
    source, target = _accent_map()
    return [
        "CREATE OR REPLACE FUNCTION initiative_search_vector(title text, description text, audience text) "
        "RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ "
        "SELECT to_tsvector('pg_catalog.dutch'::regconfig, translate(coalesce(title, '') || ' ' || "
        f"coalesce(description, '') || ' ' || coalesce(audience, ''), '{_quoted(source)}', '{target}')) $$",
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
    await _run(schema_editor, SQLITE_UP, _postgres_up())


async def backwards(apps, schema_editor) -> None:
    await _run(schema_editor, SQLITE_DOWN, POSTGRES_DOWN)


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    operations = [ops.RunPython(forwards, backwards)]
