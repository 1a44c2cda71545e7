"""Abuse limits as the citizen meets them: a polite answer saying when they can continue.

The per-minute message cap is a guard the engine runs before routing (staff are exempt); the daily
cap on submitted initiatives is checked when an initiative is submitted (`limit_text` words it).
"""

from __future__ import annotations

import math

from telegram import Update

from bot.engine import BotContext, Router
from bot.i18n import ngettext
from bot.replies import send
from bot.services.errors import LimitReached
from bot.services.limits import MessageRateLimiter


def wait_text(seconds: int) -> str:
    """'in 40 seconds' / 'in 5 minutes' / 'in about 3 hours'."""
    if seconds < 90:
        return ngettext("in {n} second", "in {n} seconds", seconds)
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return ngettext("in {n} minute", "in {n} minutes", minutes)
    return ngettext("in about {n} hour", "in about {n} hours", max(round(minutes / 60), 1))


def limit_text(error: LimitReached, limit: int) -> str:
    """The polite answer to a reached limit, with when the citizen can continue."""
    if error.code == "initiatives_per_day":
        return ngettext("You can submit at most {n} initiative a day, and you have reached that. Your initiative "
                        "is kept: you can submit it {when}.",
                        "You can submit at most {n} initiatives a day, and you have reached that. Your "
                        "initiative is kept: you can submit it {when}.", limit, when=wait_text(error.retry_after))
    return ngettext("You are sending messages faster than I can handle (at most {n} a minute). You can continue "
                    "{when}.", "You are sending messages faster than I can handle (at most {n} a minute). You can "
                    "continue {when}.", limit, when=wait_text(error.retry_after))


class RateGuard:
    """The engine guard that caps each user's updates per minute (created with the router)."""

    def __init__(self) -> None:
        self.limiter: MessageRateLimiter | None = None

    async def __call__(self, update: Update, context: BotContext) -> bool:
        """True (refused) when the user is over the cap: answered once per wait, buttons with a toast."""
        if context.citizen.is_staff:
            return False
        per_minute = context.settings.max_messages_per_minute
        if self.limiter is None:
            self.limiter = MessageRateLimiter(per_minute)
        wait = self.limiter.hit(context.citizen.telegram_id)
        if wait is None:
            return False
        text = limit_text(LimitReached("messages_per_minute", wait), per_minute)
        if update.callback_query is not None:
            context.notice, context.notice_alert = text, True
        elif self.limiter.first_refusal(context.citizen.telegram_id, wait) and update.effective_chat is not None:
            await send(update, context, text)
        return True


def register(router: Router) -> None:
    """Install the per-minute message cap (after the blocked-citizen guard)."""
    router.guard(RateGuard())
