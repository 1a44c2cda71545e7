"""Full-text search over published initiatives, with one results contract on SQLite and PostgreSQL.

The contract (tests/test_web_search.py checks it on both databases):
- every word of the query must be found in the title, description or audience (AND);
- case and accents are ignored ("cafe" finds "Café", "CAFÉ" finds "cafe");
- a word finds the longer words it starts ("speel" finds "speeltuin": Dutch compounds);
- Dutch plurals are reduced before matching ("fietsen" finds "fiets", "speeltuinen" finds "speeltuin");
- Dutch stop words ("de", "het", "een", "voor", ...) are ignored; punctuation and search-engine
  syntax (quotes, AND, *, :) are ordinary characters; a query of only stop words matches everything.
PostgreSQL also applies its Dutch stemmer, so it may find a few more inflections than SQLite.

The database keeps its index in sync itself (migrations/0002_initiative_search.py): an FTS5 table
with triggers on SQLite, an expression GIN index over `initiative_search_vector()` on PostgreSQL.
"""

from __future__ import annotations

import re
import unicodedata

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8

# PostgreSQL's Dutch stop word list (tsearch_data/dutch.stop): its 'dutch' configuration drops
# these from documents, so they are dropped from queries on both databases.
STOP_WORDS = frozenset("""
de en van ik te dat die in een hij het niet zijn is was op aan met als voor had er maar om hem dan
zou of wat mijn men dit zo door over ze zich bij ook tot je mij uit der daar haar naar heb hoe heeft
hebben deze u want nog zal me zij nu ge geen omdat iets worden toch al waren veel meer doen toen moet
ben zonder kan hun dus alles onder ja eens hier wie werd altijd doch wordt wezen kunnen ons zelf tegen
na reeds wil kon niets uw iemand geweest andere
""".split())

_WORD = re.compile(r"[^\W_]+")
_VOWELS = set("aeiouy")


def fold(text: str) -> str:
    """Lower case without accents: 'Café Ürün' -> 'cafe urun'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def reduce(word: str) -> str:
    """A light Dutch plural reduction: fietsen -> fiets, bakken -> bak, concerts -> concert."""
    if len(word) >= 6 and word.endswith("en"):
        word = word[:-2]
        if len(word) >= 3 and word[-1] == word[-2] and word[-1] not in _VOWELS:
            word = word[:-1]
    elif len(word) >= 5 and word.endswith("s") and not word.endswith("ss") and word[-2] not in _VOWELS:
        word = word[:-1]
    return word


def terms(query: str) -> list[str]:
    """The words a query searches for: folded, reduced, without stop words, at most MAX_TERMS."""
    found: list[str] = []
    for word in _WORD.findall(fold(query[:MAX_QUERY_LENGTH])):
        if len(word) < 2 or word in STOP_WORDS:
            continue
        word = reduce(word)[:40]
        if word not in found:
            found.append(word)
        if len(found) == MAX_TERMS:
            break
    return found


def sqlite_match(words: list[str]) -> str:
    """An FTS5 MATCH expression: every word as a quoted prefix ("speel"* AND "tuin"*)."""
    return " AND ".join(f'"{word}"*' for word in words)


def sqlite_condition(column: str, placeholder: str) -> str:
    """SQL that keeps the initiatives (id in `column`) matching the FTS5 expression in `placeholder`."""
    return f"{column} IN (SELECT rowid FROM initiative_fts WHERE initiative_fts MATCH {placeholder})"


def postgres_prefixes(words: list[str]) -> list[str]:
    """One tsquery text per word: the word as a prefix ('speel:*')."""
    return [f"{word}:*" for word in words]


def postgres_condition(alias: str, placeholders: list[str]) -> str:
    """SQL that keeps initiatives matching every word: as typed (compounds) or Dutch-stemmed."""
    query = " && ".join(
        f"(to_tsquery('simple', {p}) || to_tsquery('pg_catalog.dutch', {p}))" for p in placeholders)
    return f"initiative_search_vector({alias}.title, {alias}.description, {alias}.audience) @@ ({query})"
