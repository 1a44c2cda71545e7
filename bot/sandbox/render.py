"""What the sandbox page shows of a chat: the bot's Telegram HTML made safe, keyboards, files.

`safe_html` turns a message's text into HTML for the page: only the tags Telegram allows in HTML
parse mode become (equivalent, attribute-free) tags; everything else is escaped and shown as
text, so nothing the bot or a user sends can inject markup or script into the page.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

from markupsafe import Markup

from bot.emulator.state import ChatMessage

# Telegram's tag -> the tag the page uses (attributes are never copied, except a checked href)
_TAGS = {
    "b": "strong", "strong": "strong", "i": "em", "em": "em", "u": "u", "ins": "u",
    "s": "s", "strike": "s", "del": "s", "code": "code", "pre": "pre", "blockquote": "blockquote",
    "tg-spoiler": "span", "span": "span", "tg-emoji": "span", "a": "a",
}
_SAFE_SCHEMES = ("http", "https", "mailto")
_IMAGE_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
                     (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"))
_PAYLOAD_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class _Sanitizer(HTMLParser):
    """Rebuild Telegram HTML from allowed tags only; escape everything else."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.stack: list[tuple[str, str]] = []  # (Telegram tag, page tag)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        page_tag = _TAGS.get(tag)
        values = {key: value or "" for key, value in attrs}
        if page_tag is None or (tag == "span" and values.get("class") != "tg-spoiler"):
            self.out.append(html.escape(self.get_starttag_text() or ""))
            return
        if tag in ("tg-spoiler", "span"):
            opening = '<span class="spoiler" tabindex="0">'
        elif tag == "a":
            href = values.get("href", "").strip()
            opening = (f'<a href="{html.escape(href, quote=True)}" rel="noopener noreferrer">'
                       if urlsplit(href).scheme.lower() in _SAFE_SCHEMES else "<a>")
        else:
            opening = f"<{page_tag}>"
        self.out.append(opening)
        self.stack.append((tag, page_tag))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(html.escape(self.get_starttag_text() or ""))

    def handle_endtag(self, tag: str) -> None:
        if not any(open_tag == tag for open_tag, _ in self.stack):
            self.out.append(html.escape(f"</{tag}>"))
            return
        while self.stack:
            open_tag, page_tag = self.stack.pop()
            self.out.append(f"</{page_tag}>")
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        self.out.append(html.escape(data, quote=False))

    def handle_comment(self, data: str) -> None:
        self.out.append(html.escape(f"<!--{data}-->", quote=False))

    def handle_decl(self, decl: str) -> None:
        self.out.append(html.escape(f"<!{decl}>", quote=False))

    def handle_pi(self, data: str) -> None:
        self.out.append(html.escape(f"<?{data}>", quote=False))

    def unknown_decl(self, data: str) -> None:
        self.out.append(html.escape(f"<![{data}]>", quote=False))

    def result(self) -> str:
        self.close()
        while self.stack:
            self.out.append(f"</{self.stack.pop()[1]}>")
        return "".join(self.out)


def safe_html(text: str | None, parse_mode: str | None) -> Markup:
    """A message text as safe HTML for the page (Telegram HTML formatting kept, the rest escaped)."""
    if not text:
        return Markup("")
    if (parse_mode or "").upper() != "HTML":
        return Markup(html.escape(text, quote=False))
    sanitizer = _Sanitizer()
    sanitizer.feed(text)
    return Markup(sanitizer.result())


def image_type(content: bytes) -> str | None:
    """The MIME type of a PNG, JPEG or GIF image (by its first bytes), else None."""
    for signature, mime in _IMAGE_SIGNATURES:
        if content.startswith(signature):
            return mime
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass
class ButtonView:
    """One inline button: a callback, a link, or a deep link into this bot (sent as /start PAYLOAD)."""

    label: str
    data: str | None = None
    url: str | None = None
    start: str | None = None


@dataclass
class MessageView:
    """One message of the chat, ready for the template."""

    id: int
    key: str  # changes whenever what the page shows of the message changes
    from_bot: bool
    html: Markup
    time: str
    iso_time: str
    edited: bool
    photo: str | None = None
    photo_known: bool = False
    document: dict[str, str] | None = None
    sticker: bool = False
    rows: list[list[ButtonView]] = field(default_factory=list)


def deep_link_payload(url: str, bot_username: str) -> str | None:
    """The start payload of a t.me link to this bot (https://t.me/Bot?start=PAYLOAD), else None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "tg") or parts.netloc.lower() not in ("t.me", "telegram.me", "resolve"):
        return None
    query = parse_qs(parts.query)
    name = parts.path.strip("/") or (query.get("domain") or [""])[0]
    payload = (query.get("start") or [""])[0]
    if name.lower() != bot_username.lower():
        return None
    return payload if _PAYLOAD_RE.match(payload) else ""


def keyboard_rows(markup: dict[str, Any] | None, bot_username: str) -> list[list[ButtonView]]:
    """The inline keyboard of a message as rows of ButtonView (other keyboards are not shown)."""
    rows = []
    for row in (markup or {}).get("inline_keyboard", []):
        views = []
        for button in row:
            label = str(button.get("text", ""))
            if "callback_data" in button:
                views.append(ButtonView(label, data=str(button["callback_data"])))
            elif "url" in button:
                url = str(button["url"])
                payload = deep_link_payload(url, bot_username)
                if payload is not None:
                    views.append(ButtonView(label, start=payload))
                elif urlsplit(url).scheme in ("http", "https"):
                    views.append(ButtonView(label, url=url))
                else:
                    views.append(ButtonView(label))
            else:
                views.append(ButtonView(label))
        if views:
            rows.append(views)
    return rows


def message_view(message: ChatMessage, files: dict[str, tuple[str, bytes]], bot_username: str,
                 locale: str = "") -> MessageView:
    """How the page shows one message (`locale`: the page's language, part of the message's key)."""
    key = hashlib.sha1(json.dumps([locale, message.text, message.visible_text, message.parse_mode,
                                   message.reply_markup, message.photo, message.photo in files,
                                   message.document, message.edited], sort_keys=True, default=str).encode(),
                       usedforsecurity=False).hexdigest()[:16]
    moment = datetime.fromtimestamp(message.date)
    if message.from_bot:
        body = safe_html(message.text, message.parse_mode)
    else:
        body = safe_html(message.visible_text or message.text, None)
    view = MessageView(id=message.message_id, key=key, from_bot=message.from_bot, html=body,
                       time=moment.strftime("%H:%M"), iso_time=moment.astimezone().isoformat(timespec="seconds"),
                       edited=message.edited, sticker=message.sticker,
                       rows=keyboard_rows(message.reply_markup, bot_username) if message.from_bot else [])
    if message.photo:
        view.photo = message.photo
        stored = files.get(message.photo)
        view.photo_known = stored is not None and image_type(stored[1]) is not None
    if message.document:
        view.document = {"file_id": str(message.document.get("file_id", "")),
                         "file_name": str(message.document.get("file_name") or "document")}
    return view
