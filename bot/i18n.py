"""Translations (Babel catalogs in locales/) and the per-update locale.

The locale is a ContextVar set for every update and every web request, never a global
"current language". `_("Hello {name}", name=x)` translates, then fills named placeholders.
The .po catalogs are compiled in memory the first time a locale is used, so there is no
manual compile step.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from bot.config import SUPPORTED_LOCALES

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
FALLBACK_LOCALE = "nl"

current_locale: ContextVar[str] = ContextVar("current_locale", default=FALLBACK_LOCALE)


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """The compiled catalog of `locale` (NullTranslations for an unknown locale)."""
    po_path = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale not in SUPPORTED_LOCALES or not po_path.is_file():
        return gettext.NullTranslations()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer)


def resolve_locale(language_code: str | None, default: str) -> str:
    """Pick a supported locale from Telegram's language_code ('nl', 'en-GB', ...)."""
    if language_code:
        primary = language_code.replace("_", "-").split("-", 1)[0].lower()
        if primary in SUPPORTED_LOCALES:
            return primary
    return default


def _(message: str, /, **values: Any) -> str:
    """Translate `message` into the current locale and fill its {named} placeholders."""
    text = translations(current_locale.get()).gettext(message)
    return text.format(**values) if values else text


def ngettext(singular: str, plural: str, n: int, /, **values: Any) -> str:
    """Translate a message that depends on a count; `n` is available as {n}."""
    text = translations(current_locale.get()).ngettext(singular, plural, n)
    return text.format(n=n, **values)


def N_(message: str, /) -> str:
    """Mark a string for extraction without translating it yet (translate with _ at use)."""
    return message


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Run a block in `locale` (e.g. a message to another citizen in their language)."""
    token = current_locale.set(locale)
    try:
        yield
    finally:
        current_locale.reset(token)
