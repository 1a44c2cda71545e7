"""Telegram's rules for messages: HTML entities, lengths, keyboards (used by the bot and the emulation)."""

from __future__ import annotations

import html
import re
from typing import Any

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_BUTTONS_PER_ROW = 8
MAX_BUTTONS = 100

ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "a", "code", "pre", "blockquote", "tg-emoji",
}
_ATTRIBUTE = r"""(?:\s+[a-zA-Z-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>"']+))?)"""
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(" + _ATTRIBUTE + r"*)\s*>")
_ATTR_RE = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>\"']+))?")
_ENTITY_RE = re.compile(r"&(lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")


class BadRequest(Exception):
    """Telegram would answer 400 with this description."""


def parse_html(text: str) -> str:
    """Return the visible text of an HTML-formatted message, or raise BadRequest like Telegram."""
    visible: list[str] = []
    stack: list[str] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char == "<":
            match = _TAG_RE.match(text, position)
            if not match:
                raise BadRequest(
                    f"Bad Request: can't parse entities: Unexpected character at byte offset {position}"
                )
            closing, name, attributes = match.group(1), match.group(2).lower(), match.group(3)
            if name not in ALLOWED_TAGS:
                raise BadRequest(
                    f'Bad Request: can\'t parse entities: Unsupported start tag "{name}" at byte offset {position}'
                )
            if closing:
                if not stack or stack[-1] != name:
                    raise BadRequest(
                        f'Bad Request: can\'t parse entities: Unmatched end tag at byte offset {position}, '
                        f'expected "</{stack[-1] if stack else name}>", found "</{name}>"'
                    )
                stack.pop()
            else:
                _check_attributes(name, attributes, position)
                stack.append(name)
            position = match.end()
        elif char == "&":
            match = _ENTITY_RE.match(text, position)
            if not match:
                raise BadRequest(
                    f"Bad Request: can't parse entities: Unsupported entity at byte offset {position}"
                )
            visible.append(html.unescape(match.group(0)))
            position = match.end()
        elif char == ">":
            raise BadRequest(f"Bad Request: can't parse entities: Unexpected character at byte offset {position}")
        else:
            visible.append(char)
            position += 1
    if stack:
        raise BadRequest(
            f'Bad Request: can\'t parse entities: Can\'t find end tag corresponding to start tag "{stack[-1]}"'
        )
    return "".join(visible)


def _check_attributes(name: str, attributes: str, position: int) -> None:
    found = {key.lower(): (value or "").strip("\"'") for key, value in _ATTR_RE.findall(attributes)}
    if name == "a" and "href" not in found:
        raise BadRequest(f"Bad Request: can't parse entities: Can't find href in a tag at byte offset {position}")
    if name == "span" and found.get("class") != "tg-spoiler":
        raise BadRequest(f'Bad Request: can\'t parse entities: Unsupported start tag "span" at byte offset {position}')


def visible_text(text: str, parse_mode: str | None) -> str:
    """The text as the user will see it, checked like Telegram checks it."""
    if parse_mode is None or parse_mode == "":
        return text
    if parse_mode.upper() == "HTML":
        return parse_html(text)
    if parse_mode in ("MarkdownV2", "Markdown"):
        return text  # the bot uses HTML only; Markdown is accepted without checking
    raise BadRequest(f"Bad Request: unsupported parse_mode {parse_mode!r}")


def check_text(text: Any, parse_mode: str | None, *, limit: int = MAX_TEXT, caption: bool = False) -> str:
    """Validate a message text or caption and return its visible form."""
    if text is None or str(text).strip() == "":
        if caption:
            return ""
        raise BadRequest("Bad Request: message text is empty")
    visible = visible_text(str(text), parse_mode).strip()
    if not visible and not caption:
        raise BadRequest("Bad Request: text must be non-empty")
    if len(visible) > limit:
        raise BadRequest("Bad Request: message caption is too long" if caption else "Bad Request: message is too long")
    return visible


def check_reply_markup(markup: Any) -> dict[str, Any] | None:
    """Validate an inline keyboard the way Telegram does; return it as a dict."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise BadRequest("Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return markup  # reply keyboards and keyboard removal are passed through
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or any(not isinstance(row, list) for row in rows):
        raise BadRequest("Bad Request: field \"inline_keyboard\" must be an Array of Array")
    total = 0
    for row in rows:
        if len(row) > MAX_BUTTONS_PER_ROW:
            raise BadRequest("Bad Request: too many buttons in a row")
        for button in row:
            total += 1
            _check_button(button)
    if total > MAX_BUTTONS:
        raise BadRequest("Bad Request: reply markup is too long")
    return markup


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not str(button.get("text", "")).strip():
        raise BadRequest("Bad Request: inline keyboard button text must be non-empty")
    kinds = [key for key in ("callback_data", "url", "switch_inline_query", "web_app", "login_url",
                             "switch_inline_query_current_chat", "copy_text", "pay") if key in button]
    if len(kinds) != 1:
        raise BadRequest("Bad Request: can't find field \"callback_data\" / \"url\" in inline keyboard button")
    if "callback_data" in button:
        data = str(button["callback_data"])
        if not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
            raise BadRequest("Bad Request: BUTTON_DATA_INVALID")
    if "url" in button and not re.match(r"^(https?|tg)://\S+$", str(button["url"])):
        raise BadRequest("Bad Request: BUTTON_URL_INVALID")
