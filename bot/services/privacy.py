"""Privacy (AVG/GDPR): everything stored about a citizen, and erasing it.

The export and the erasure find the citizen's rows through every relation that points at
`Citizen`, so a table added later is included without changing this module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from tortoise.transactions import in_transaction

from bot.services import audit
from bot.services.errors import NotFound
from models.audit import AuditEntry
from models.citizen import Citizen
from models.conversation import ConversationState
from models.initiative import Initiative, Membership, MembershipKind, Status

EXPORT_VERSION = 1


@dataclass(frozen=True)
class DataExport:
    """Everything stored about a citizen: the JSON document and the figures for a summary."""

    document: dict[str, Any]
    profile: dict[str, Any]
    municipality: str | None
    counts: dict[str, int]  # table name -> number of rows about the citizen

    def to_json(self) -> bytes:
        """The document as pretty-printed UTF-8 JSON."""
        return json.dumps(self.document, indent=2, ensure_ascii=False, default=_plain, sort_keys=True).encode()


@dataclass(frozen=True)
class Erasure:
    """What erasing a citizen's data did."""

    withdrawn: int
    kept_anonymously: int
    drafts_deleted: int
    memberships_removed: int
    deliveries_removed: int


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def _relations() -> list[tuple[str, type, str]]:
    """(name, model, column) of every table with a foreign key to the citizen."""
    relations = []
    for name in sorted(Citizen._meta.backward_fk_fields):
        field = Citizen._meta.fields_map[name]
        relations.append((name, field.related_model, field.relation_field))
    return relations


async def count_initiatives(citizen_id: int) -> int:
    """How many initiatives (drafts left out) the citizen started."""
    return await Initiative.filter(initiator_id=citizen_id).exclude(status=Status.DRAFT).count()


async def export(citizen_id: int) -> DataExport:
    """Everything stored about the citizen (GDPR article 15 and 20)."""
    citizen = await Citizen.get_or_none(id=citizen_id).prefetch_related("municipality")
    if citizen is None:
        raise NotFound("citizen")
    profile = (await Citizen.filter(id=citizen_id).values())[0]
    document: dict[str, Any] = {
        "export_version": EXPORT_VERSION,
        "exported_at": datetime.now(UTC),
        "profile": profile,
    }
    counts: dict[str, int] = {}
    for name, model, column in _relations():
        rows = await model.filter(**{column: citizen_id}).order_by("id").values()
        document[name] = rows
        counts[name] = len(rows)
    state = await ConversationState.filter(user_id=citizen.telegram_id).values("flow", "step", "data", "parked")
    document["conversation"] = state[0] if state else None
    document["audit_log"] = await AuditEntry.filter(target_type="citizen", target_id=citizen_id) \
        .order_by("id").values("created_at", "action", "reason")
    document["own_actions_in_audit_log"] = await AuditEntry.filter(actor_telegram_id=citizen.telegram_id) \
        .order_by("id").values("created_at", "action", "target_type", "target_id")
    municipality = citizen.municipality.name if citizen.municipality else None
    document["profile"]["municipality"] = municipality
    return DataExport(document, profile, municipality, counts)


async def erase(citizen_id: int, keep_initiatives: bool, is_staff: bool = False) -> Erasure:
    """Erase the citizen and their personal data (GDPR article 17).

    Their initiatives are withdrawn, or kept without their name (`keep_initiatives`); drafts are
    deleted either way. Memberships, follows, preferences, reports and deliveries go with them; the
    join and follow counts of the initiatives they were in are corrected.
    """
    citizen = await Citizen.get_or_none(id=citizen_id)
    if citizen is None:
        raise NotFound("citizen")
    async with in_transaction():
        drafts = await Initiative.filter(initiator_id=citizen_id, status=Status.DRAFT).count()
        await Initiative.filter(initiator_id=citizen_id, status=Status.DRAFT).delete()
        mine = Initiative.filter(initiator_id=citizen_id)
        if keep_initiatives:
            withdrawn = await mine.filter(status=Status.CHANGES_REQUESTED).update(
                status=Status.WITHDRAWN, pending_changes=None)
            kept = await mine.filter(status__in=[Status.PUBLISHED, Status.SUBMITTED]).count()
        else:
            withdrawn = await mine.exclude(status__in=[Status.WITHDRAWN, Status.REJECTED]).update(
                status=Status.WITHDRAWN, pending_changes=None)
            kept = 0
        await Initiative.filter(initiator_id=citizen_id).update(initiator_name=None, pending_changes=None)
        joined = await Membership.filter(citizen_id=citizen_id).values_list("initiative_id", flat=True)
        deliveries = await citizen.deliveries.all().count()
        await ConversationState.filter(user_id=citizen.telegram_id).delete()
        if not is_staff:  # staff decisions stay accountable
            await audit.forget_actor(citizen.telegram_id)
        await Citizen.filter(id=citizen_id).delete()
        for initiative_id in set(joined):
            await _recount(initiative_id)
        await audit.record(None, "erase_personal_data", "citizen", citizen_id,
                           "initiatives kept anonymously" if keep_initiatives else "initiatives withdrawn")
    return Erasure(withdrawn, kept, drafts, len(joined), deliveries)


async def _recount(initiative_id: int) -> None:
    members = await Membership.filter(initiative_id=initiative_id, kind=MembershipKind.JOIN).count()
    followers = await Membership.filter(initiative_id=initiative_id, kind=MembershipKind.FOLLOW).count()
    await Initiative.filter(id=initiative_id).update(members_count=members, followers_count=followers)
