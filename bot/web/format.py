"""Numbers, money, dates and labels in the page's language (Jinja2 filters and globals)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent

from bot.i18n import N_, _, current_locale

BABEL_LOCALES = {"nl": "nl_NL", "en": "en_GB"}

HELP_LABELS = {
    "volunteers": N_("Volunteers"),
    "money": N_("Money"),
    "place": N_("A place"),
    "knowledge": N_("Knowledge"),
    "materials": N_("Materials"),
}
ACTIVITY_LABELS = {
    "new": N_("New (published in the last 30 days)"),
    "active": N_("Active (an update in the last 90 days)"),
}
SORT_LABELS = {"newest": N_("Newest first"), "support": N_("Most support first")}


def babel_locale() -> str:
    """The Babel locale of the current page language."""
    return BABEL_LOCALES.get(current_locale.get(), "nl_NL")


def number(value: int | float) -> str:
    """1234 -> '1.234' (nl) or '1,234' (en)."""
    return format_decimal(value, locale=babel_locale())


def percent(value: float) -> str:
    """0.266 -> '26,6%'."""
    return format_percent(value, format="#,##0.0%", locale=babel_locale())


def money(cents: int | None) -> str:
    """Euro cents as money: 123450 -> '€ 1.234,50'."""
    if cents is None:
        return ""
    return format_currency(cents / 100, "EUR", locale=babel_locale())


def day(value: datetime | date | None) -> str:
    """A date in words: '3 mei 2025'."""
    if value is None:
        return ""
    return format_date(value, format="long", locale=babel_locale())


def month(value: date) -> str:
    """A month: 'mei 2025'."""
    return format_date(value, format="MMMM y", locale=babel_locale())


def short_month(value: date) -> str:
    """A short month for chart axes: 'mei 25'."""
    return format_date(value, format="MMM yy", locale=babel_locale()).replace(".", "")


def iso(value: datetime | date | None) -> str:
    """ISO 8601 to the second, in UTC (for <time datetime> and feeds)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds")
    return value.isoformat() if value is not None else ""


def moment(value: datetime | None) -> str:
    """A date and time in words."""
    if value is None:
        return ""
    return format_datetime(value, format="medium", locale=babel_locale())


def help_label(kind: str) -> str:
    """The translated name of a kind of help."""
    return _(HELP_LABELS[kind]) if kind in HELP_LABELS else kind


def label(table: dict[str, str], key: str) -> str:
    """The translated label of `key` in a table of N_() labels."""
    return _(table[key]) if key in table else key


FILTERS: dict[str, Any] = {
    "number": number, "percent": percent, "money": money, "day": day, "month": month,
    "short_month": short_month, "iso": iso, "moment": moment, "help_label": help_label,
}
