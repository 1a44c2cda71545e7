"""Building messages safely: escaping, clipping, keyboards, sending (DESIGN.md decision 4)."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.i18n import use_locale
from bot.telegram_html import MAX_CALLBACK_DATA, MAX_TEXT, parse_html
from bot.telegram_html import BadRequest as HtmlError

log = logging.getLogger(__name__)


def esc(value: Any) -> str:
    """Escape a user-provided value for HTML parse mode."""
    return html.escape(str(value), quote=False)


def clip(value: Any, limit: int) -> str:
    """Cut plain text to `limit` characters (with an ellipsis), then escape it."""
    text = str(value)
    if len(text) > limit:
        text = text[: max(limit - 1, 0)].rstrip() + "…"
    return esc(text)


def fit(text: str) -> str:
    """Guarantee a message within Telegram's 4096 visible characters (a last resort)."""
    try:
        visible = parse_html(text)
    except HtmlError:
        return esc(text[:MAX_TEXT])
    if len(visible.strip()) <= MAX_TEXT:
        return text
    return clip(visible.strip(), MAX_TEXT)


def button(label: str, data: str) -> InlineKeyboardButton:
    """A callback button; callback_data must stay within Telegram's 64 bytes."""
    if not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
        raise ValueError(f"callback_data of {len(data.encode())} bytes: {data[:20]!r}…")
    return InlineKeyboardButton(label, callback_data=data)


def link_button(label: str, url: str) -> InlineKeyboardButton:
    """A button that opens a URL."""
    return InlineKeyboardButton(label, url=url)


def keyboard(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of buttons (empty rows are dropped)."""
    return InlineKeyboardMarkup([row for row in rows if row])


def rows_of(buttons: list[InlineKeyboardButton], per_row: int) -> list[list[InlineKeyboardButton]]:
    """Lay buttons out `per_row` to a row."""
    return [buttons[i: i + per_row] for i in range(0, len(buttons), per_row)]


async def send(update: Update, context: Any, text: str,
               markup: InlineKeyboardMarkup | None = None) -> Message:
    """Send a new HTML message to the chat the update came from."""
    chat = update.effective_chat
    assert chat is not None
    return await context.bot.send_message(chat.id, fit(text), parse_mode=ParseMode.HTML,
                                          reply_markup=markup, disable_web_page_preview=True)


async def show(update: Update, context: Any, text: str,
               markup: InlineKeyboardMarkup | None = None) -> Message | bool:
    """Answer a button press by editing its message; answer a text message with a new one."""
    query = update.callback_query
    if query is None or query.message is None:
        return await send(update, context, text, markup)
    try:
        return await query.edit_message_text(fit(text), parse_mode=ParseMode.HTML, reply_markup=markup,
                                             disable_web_page_preview=True)
    except BadRequest as error:
        if "not modified" in error.message:
            return True
        if "not found" in error.message or "can't be edited" in error.message:
            return await send(update, context, text, markup)
        raise


async def tell(context: Any, telegram_id: int, language: str, text: Callable[[], str],
               markup: Callable[[], InlineKeyboardMarkup | None] | None = None) -> bool:
    """Send another person a message built in THEIR language; False when it cannot be delivered."""
    with use_locale(language):
        body, buttons = fit(text()), markup() if markup else None
    try:
        await context.bot.send_message(telegram_id, body, parse_mode=ParseMode.HTML, reply_markup=buttons,
                                       disable_web_page_preview=True)
    except TelegramError as error:
        log.info("message to another citizen not delivered: %s", error.message)
        return False
    return True
