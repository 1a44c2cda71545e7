"""Both catalogs load and are complete; the per-update locale never leaks."""

from __future__ import annotations

import gettext

from bot import i18n_tool
from bot.i18n import _, current_locale, resolve_locale, translations, use_locale


def test_each_locale_really_loads_a_catalog():
    for locale in ("nl", "en"):
        assert type(translations(locale)) is not gettext.NullTranslations
    with use_locale("nl"):
        assert _("What would you like to do?") == "Wat wil je doen?"
    with use_locale("en"):
        assert _("What would you like to do?") == "What would you like to do?"


def test_every_message_in_the_code_is_translated_in_both_languages(tmp_path):
    template = tmp_path / "messages.pot"
    i18n_tool.extract(template)
    gaps = i18n_tool.missing(template)
    assert gaps == {"nl": [], "en": []}, "run `python -m bot.i18n_tool sync` and translate: " + repr(gaps)


def test_named_placeholders_are_filled():
    with use_locale("nl"):
        assert _("Welcome back, {name}!", name="<Anna>") == "Welkom terug, <Anna>!"


def test_locale_resolution_from_telegram_language_codes():
    assert resolve_locale("nl", "en") == "nl"
    assert resolve_locale("en-GB", "nl") == "en"
    assert resolve_locale("fr", "nl") == "nl"
    assert resolve_locale(None, "en") == "en"


def test_use_locale_restores_the_previous_locale():
    token = current_locale.set("en")
    try:
        with use_locale("nl"):
            assert current_locale.get() == "nl"
        assert current_locale.get() == "en"
    finally:
        current_locale.reset(token)
