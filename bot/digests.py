"""The digest job: a periodic task in the bot process that queues digests in the outbox.

- Join digest: an initiator hears about new members at most once per initiative per
  JOIN_DIGEST_SECONDS (an hour), in one message, not one message per join.
- Coaching digest: a professional hears about new initiatives in the themes they follow that ask for
  knowledge, at most once per COACHING_DIGEST_SECONDS (a day).

The job only writes outbox rows (the sender delivers them). Claims are conditional updates in the
database, so several bot processes can run the job without sending a digest twice. Started and
stopped next to the sender by `bot.app.start_application` / `stop_application`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from bot.config import Settings
from bot.i18n import _, ngettext, use_locale
from bot.replies import clip, esc
from bot.services import coaching, memberships
from bot.services.coaching import CoachingDigest
from bot.services.memberships import JoinDigest
from handlers.browse import contact_text, help_list

log = logging.getLogger(__name__)

MEMBERS_SHOWN = 8  # the longest possible entries still fit one message; the rest: see everyone


def _link(settings: Settings, initiative_id: int) -> str:
    return f"https://t.me/{settings.bot_username}?start=initiative-{initiative_id}"


def render_join_digest(settings: Settings, digest: JoinDigest) -> str:
    """The join digest in the initiator's language: who joined, what they offer, contact if shared."""
    with use_locale(digest.initiator_language):
        count = len(digest.new_members)
        lines = ["🙋 " + ngettext("<b>{n} new member</b> for “{title}”:", "<b>{n} new members</b> for “{title}”:",
                                 count, title=clip(digest.title, 100)), ""]
        for member in digest.new_members[:MEMBERS_SHOWN]:
            line = f"• <b>{clip(member.name, 64)}</b>"
            offer = [help_list(member.offer)] if member.offer else []
            if member.offer_text:
                offer.append(f"“{clip(member.offer_text, 100)}”")
            if offer:
                line += " — " + _("offers: {offer}", offer="; ".join(offer))
            if member.contact is not None:
                line += "\n  " + _("Contact: {contact}", contact=contact_text(member.contact))
            lines.append(line)
        if count > MEMBERS_SHOWN:
            lines.append(_("… and {n} more.", n=count - MEMBERS_SHOWN))
        lines.append("")
        lines.append(ngettext("Your initiative now has {n} member.", "Your initiative now has {n} members.",
                              digest.members_count)
                     + f' <a href="{esc(_link(settings, digest.initiative_id))}">' + _("See everyone who joined")
                     + "</a>")
        return "\n".join(lines)


def render_coaching_digest(settings: Settings, digest: CoachingDigest) -> str:
    """The coaching digest in the professional's language: new initiatives asking for knowledge."""
    with use_locale(digest.language):
        lines = ["🎓 " + _("<b>New initiatives in your themes that ask for knowledge or advice</b>"), ""]
        for item in digest.items:
            where = ", ".join(esc(part) for part in (item.theme, item.municipality) if part)
            lines.append(f'• <a href="{esc(_link(settings, item.id))}">{clip(item.title, 100)}</a>'
                         + (f" — {where}" if where else ""))
        if digest.more:
            lines.append(_("… and {n} more: browse the initiatives to see them all.", n=digest.more))
        lines.append("")
        lines.append(_("Open one to offer to coach it. Change your themes with /coaching."))
        return "\n".join(lines)


class DigestJob:
    """Runs the digests every DIGEST_CHECK_SECONDS until stopped."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the periodic task."""
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="digests")

    async def stop(self) -> None:
        """Let a running round finish, then end the task."""
        self._stopping.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, timeout=10)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None

    async def run_once(self) -> int:
        """One round: queue every digest that is due; return how many were queued."""
        settings = self.settings
        queued = await memberships.send_join_digests(
            timedelta(seconds=settings.join_digest_seconds), lambda digest: render_join_digest(settings, digest))
        queued += await coaching.send_digests(
            timedelta(seconds=settings.coaching_digest_seconds),
            lambda digest: render_coaching_digest(settings, digest))
        return queued

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                queued = await self.run_once()
                if queued:
                    log.info("queued %d digests", queued)
            except Exception:
                log.exception("digest round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self.settings.digest_check_seconds)
