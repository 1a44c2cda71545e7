"""The audit log: every staff action and every refused attempt, with who, what, when and why.

Entries are written by the domain functions themselves (moderation, privacy), never by handlers,
so nothing a handler forgets can escape the record. Only staff can read the log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.services.citizens import CitizenInfo
from bot.services.errors import NotAllowed
from models.audit import AuditEntry
from models.citizen import Citizen

log = logging.getLogger(__name__)

REASON_LIMIT = 1000
REFUSED = "refused:"  # prefix of the action of a refused attempt, e.g. "refused:approve"


@dataclass(frozen=True)
class AuditRecord:
    """One line of the audit log as staff see it."""

    id: int
    created_at: datetime
    actor_telegram_id: int | None
    actor_name: str | None
    action: str
    target_type: str | None
    target_id: int | None
    reason: str | None

    @property
    def refused(self) -> bool:
        """Whether this records an attempt that was refused."""
        return self.action.startswith(REFUSED)


async def record(actor_telegram_id: int | None, action: str, target_type: str | None = None,
                 target_id: int | None = None, reason: str | None = None) -> None:
    """Write one entry (actor None: the system itself, e.g. hiding after reports)."""
    await AuditEntry.create(actor_telegram_id=actor_telegram_id, action=action[:64], target_type=target_type,
                            target_id=target_id, reason=reason[:REASON_LIMIT] if reason else None)


async def refuse(actor: CitizenInfo, action: str, target_type: str | None = None,
                 target_id: int | None = None) -> NotAllowed:
    """Record a refused attempt and return the NotAllowed to raise (ids only in the log line)."""
    log.warning("refused %s on %s #%s", action, target_type, target_id)
    await record(actor.telegram_id or None, REFUSED + action, target_type, target_id)
    return NotAllowed(action)


async def refuse_citizen(citizen_id: int, action: str, target_type: str | None = None,
                         target_id: int | None = None) -> None:
    """Record a refused attempt of a citizen known by id (e.g. acting on another citizen's initiative)."""
    log.warning("refused %s on %s #%s", action, target_type, target_id)
    telegram_id = await Citizen.filter(id=citizen_id).first().values_list("telegram_id", flat=True)
    await record(telegram_id, REFUSED + action, target_type, target_id)


async def recent(actor: CitizenInfo, limit: int = 20, offset: int = 0) -> list[AuditRecord]:
    """The newest entries first (staff only)."""
    if not actor.is_staff:
        raise await refuse(actor, "audit")
    rows = await AuditEntry.all().order_by("-created_at", "-id").offset(offset).limit(limit)
    actor_ids = {row.actor_telegram_id for row in rows if row.actor_telegram_id is not None}
    names = dict(await Citizen.filter(telegram_id__in=actor_ids).values_list("telegram_id", "first_name"))
    return [AuditRecord(row.id, row.created_at, row.actor_telegram_id, names.get(row.actor_telegram_id),
                        row.action, row.target_type, row.target_id, row.reason) for row in rows]


async def forget_actor(telegram_id: int) -> None:
    """Remove a citizen who erased their data from the entries they caused (the entries stay)."""
    await AuditEntry.filter(actor_telegram_id=telegram_id).update(actor_telegram_id=None)
