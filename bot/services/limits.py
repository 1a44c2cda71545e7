"""Abuse limits: initiatives submitted per day and messages per minute, per citizen.

The daily limit is counted in the database (it holds across restarts and processes). The
per-minute limit is a sliding window kept in the memory of the process that handles the
user's updates: cheap, and exact as long as one user's updates go to one process (the
per-user ordering already asks for that).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.services.errors import LimitReached
from models.initiative import Initiative

DAY = timedelta(days=1)
WINDOW_SECONDS = 60.0


async def check_daily_submissions(citizen_id: int, per_day: int, initiative_id: int | None = None,
                                  now: datetime | None = None) -> None:
    """Raise LimitReached('initiatives_per_day') when the citizen submitted `per_day` others in 24 hours.

    Submitting the same initiative again (after staff asked for changes) does not count twice.
    """
    if per_day <= 0:
        return
    now = now or datetime.now(UTC)
    query = Initiative.filter(initiator_id=citizen_id, submitted_at__gt=now - DAY)
    if initiative_id is not None:
        query = query.exclude(id=initiative_id)
    recent = sorted(await query.values_list("submitted_at", flat=True))
    if len(recent) >= per_day:
        frees_at = recent[len(recent) - per_day] + DAY
        raise LimitReached("initiatives_per_day", max(math.ceil((frees_at - now).total_seconds()), 1))


class MessageRateLimiter:
    """At most `per_minute` updates per user in any 60 seconds; refused updates do not count."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._seen: dict[int, deque[float]] = {}
        self._warned_until: dict[int, float] = {}
        self._calls = 0

    def hit(self, user_id: int) -> int | None:
        """Count an update of `user_id`; None when allowed, else the seconds until the next is allowed."""
        if self.per_minute <= 0:
            return None
        now = self.clock()
        self._calls += 1
        if self._calls % 10_000 == 0:
            self._forget_idle(now)
        seen = self._seen.setdefault(user_id, deque())
        while seen and seen[0] <= now - WINDOW_SECONDS:
            seen.popleft()
        if len(seen) < self.per_minute:
            seen.append(now)
            return None
        return max(math.ceil(seen[0] + WINDOW_SECONDS - now), 1)

    def first_refusal(self, user_id: int, wait: int) -> bool:
        """Whether this is the first refused update of the current wait (the one that gets an answer)."""
        now = self.clock()
        if self._warned_until.get(user_id, 0.0) > now:
            return False
        self._warned_until[user_id] = now + wait
        return True

    def _forget_idle(self, now: float) -> None:
        for user_id in [u for u, seen in self._seen.items() if not seen or seen[-1] <= now - WINDOW_SECONDS]:
            del self._seen[user_id]
        for user_id in [u for u, until in self._warned_until.items() if until <= now]:
            del self._warned_until[user_id]
