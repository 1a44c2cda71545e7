"""Maintain the Babel catalogs: `python -m bot.i18n_tool sync|check`.

sync  extracts every message from the code and templates into locales/messages.pot, updates
      locales/nl and locales/en from it (new messages appear untranslated), merges any
      translation files dropped in locales/incoming/*.po (then deletes them), and fills the
      English catalog's empty entries with the English source text (msgids are English).
check lists messages without a translation (or marked fuzzy) in either language; exit 1 if any.

A file lock makes concurrent `sync` runs safe.
"""

from __future__ import annotations

import fcntl
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
POT = LOCALES / "messages.pot"
INCOMING = LOCALES / "incoming"
LANGUAGES = ("nl", "en")


def catalog_path(locale: str) -> Path:
    """Where a locale's .po file lives."""
    return LOCALES / locale / "LC_MESSAGES" / "messages.po"


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _write(path: Path, catalog: Catalog) -> None:
    """Write a catalog atomically (a reader never sees a half-written file); its header is not fuzzy."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if catalog.locale is not None:
        catalog.fuzzy = False
        catalog.project, catalog.version = "samen-voor-elkaar", "0.1.0"
    partial = path.with_suffix(".po.partial")
    with partial.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_output=True)
    partial.replace(path)


def extract(output: Path = POT) -> None:
    """pybabel extract over the project (mappings from pyproject.toml) into `output`."""
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "pyproject.toml",
         "-k", "_", "-k", "N_", "-k", "ngettext:1,2", "--no-location", "--sort-output",
         "--project", "samen-voor-elkaar", "-o", str(output),
         "bot", "handlers", "webhook.py"],
        cwd=ROOT, check=True, capture_output=True,
    )


def update() -> None:
    """Bring each locale's catalog in line with the template, keeping existing translations."""
    template = _read(POT)
    for locale in LANGUAGES:
        path = catalog_path(locale)
        catalog = _read(path, locale) if path.exists() else Catalog(locale=locale)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        _write(path, catalog)


def merge_incoming() -> list[str]:
    """Copy translations from locales/incoming/<locale>-*.po into the catalogs; return merged files."""
    merged: list[str] = []
    if not INCOMING.is_dir():
        return merged
    for locale in LANGUAGES:
        path = catalog_path(locale)
        catalog = _read(path, locale)
        for incoming in sorted(INCOMING.glob(f"{locale}-*.po")):
            for message in _read(incoming, locale):
                if message.id and message.string and message.id in catalog:
                    catalog[message.id].string = message.string
                    catalog[message.id].flags.discard("fuzzy")
            merged.append(incoming.name)
            incoming.unlink()
        _write(path, catalog)
    return merged


def fill_english() -> None:
    """msgids are English: an empty English translation is the msgid itself."""
    path = catalog_path("en")
    catalog = _read(path, "en")
    for message in catalog:
        if not message.id:
            continue
        if not message.string or message.string == "" or (
                isinstance(message.string, tuple) and not any(message.string)):
            message.string = message.id if isinstance(message.id, str) else tuple(message.id)
    _write(path, catalog)


def missing(template_path: Path = POT) -> dict[str, list[str]]:
    """Messages of the template that lack a (non-fuzzy) translation, per locale."""
    template = _read(template_path)
    result: dict[str, list[str]] = {}
    for locale in LANGUAGES:
        path = catalog_path(locale)
        catalog = _read(path, locale) if path.exists() else Catalog(locale=locale)
        gaps = []
        for message in template:
            if not message.id:
                continue
            translated = catalog.get(message.id)
            strings = (translated.string if isinstance(translated.string, tuple) else [translated.string]) \
                if translated else []
            if translated is None or translated.fuzzy or not strings or not all(strings):
                gaps.append(message.id if isinstance(message.id, str) else message.id[0])
        if catalog.fuzzy:
            gaps.append("(the catalog header is marked fuzzy)")
        result[locale] = gaps
    return result


def main(argv: list[str]) -> int:
    """Run `sync` or `check`."""
    command = argv[0] if argv else "check"
    template = POT
    if command == "check":
        template = Path(tempfile.mkdtemp()) / "messages.pot"
        extract(template)
    if command == "sync":
        LOCALES.mkdir(exist_ok=True)
        with (LOCALES / ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            extract()
            update()
            merged = merge_incoming()
            fill_english()
        for name in merged:
            print(f"merged {name}")
    gaps = missing(template)
    for locale, ids in gaps.items():
        for message_id in ids:
            print(f"{locale}: untranslated: {message_id!r}")
    return 1 if any(gaps.values()) and command == "check" else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
