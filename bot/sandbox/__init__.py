"""The sandbox chat page: try every flow of the bot in the browser, without Telegram.

With no TELEGRAM_BOT_TOKEN the bot talks to the built-in Bot API emulation (mounted at
/telegram); this package adds a page at /sandbox that shows the emulated chats the way Telegram
does and lets you act as several test citizens and a staff member. It is mounted only in sandbox
mode and only when WEB_HOST is a loopback address, because anyone who can open it can act as any
test user (staff included).

In sandbox mode without STAFF_IDS the sandbox adds one staff member, SANDBOX_STAFF_ID, to the
settings (`with_sandbox_staff`), so the staff user of the page has staff rights; with STAFF_IDS
the page's staff user is the lowest id listed there.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace

from bot.config import Settings

SANDBOX_PREFIX = "/sandbox"
SANDBOX_STAFF_ID = 100999  # the sandbox's staff member when STAFF_IDS is empty (emulated users only)


def is_loopback(host: str) -> bool:
    """Whether a host name or address only reaches this machine (127.0.0.0/8, ::1, localhost)."""
    name = host.strip().strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def page_enabled(settings: Settings) -> bool:
    """The page is served in sandbox mode (no token) on a loopback WEB_HOST only."""
    return settings.sandbox and is_loopback(settings.web_host)


def with_sandbox_staff(settings: Settings) -> Settings:
    """In sandbox mode with the page on and no STAFF_IDS: add SANDBOX_STAFF_ID as the one staff member."""
    if page_enabled(settings) and not settings.staff_ids:
        return replace(settings, staff_ids=frozenset({SANDBOX_STAFF_ID}))
    return settings


def staff_user_id(settings: Settings) -> int:
    """The Telegram id the page's staff user has."""
    return min(settings.staff_ids) if settings.staff_ids else SANDBOX_STAFF_ID
