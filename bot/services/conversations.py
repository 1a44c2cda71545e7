"""Reading and writing a user's conversation state (the engine's only storage)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from tortoise.transactions import in_transaction

from models.conversation import ConversationState, HandledUpdate


@dataclass
class Conversation:
    """Where one user is: the flow, its current step, and the answers collected so far."""

    user_id: int
    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    parked: dict[str, dict[str, Any]] = field(default_factory=dict)
    _loaded: str = ""

    def at(self, step: StrEnum) -> bool:
        """Whether the user is at `step`."""
        return self.step == step.value

    def in_flow(self, flow: str) -> bool:
        """Whether the user is somewhere in `flow`."""
        return self.flow == flow

    def after(self, result: StrEnum | str | None) -> Conversation:
        """Apply a callback's result: a step moves there, 'END' leaves the flow, None stays."""
        if result is None:
            return self
        if result == "END":
            self.flow, self.step, self.data = None, None, {}
            return self
        step = str(result.value if isinstance(result, StrEnum) else result)
        flow = step.split(".", 1)[0]
        if flow != self.flow:
            self.data = {}
        self.flow, self.step = flow, step
        return self

    def park(self) -> str | None:
        """Leave the current flow but keep its step and answers (for /cancel); return the flow."""
        flow = self.flow
        if flow is not None:
            self.parked[flow] = {"step": self.step, "data": self.data}
            self.flow, self.step, self.data = None, None, {}
        return flow

    def resume(self, flow: str) -> str | None:
        """Go back into a parked flow; return its step, or None when nothing was parked."""
        parked = self.parked.pop(flow, None)
        if parked is None:
            return None
        self.park()
        self.flow, self.step, self.data = flow, parked["step"], parked["data"]
        return self.step

    def discard(self, flow: str) -> bool:
        """Forget a parked flow's answers; return whether there were any."""
        return self.parked.pop(flow, None) is not None

    def snapshot(self) -> str:
        """A comparable serialisation, to skip writing an unchanged state."""
        return json.dumps([self.flow, self.step, self.data, self.parked], sort_keys=True, default=str)


async def load(user_id: int) -> Conversation:
    """The user's conversation state (an empty one for a new user)."""
    row = await ConversationState.get_or_none(user_id=user_id)
    conversation = Conversation(user_id) if row is None else Conversation(
        user_id, row.flow, row.step, row.data, row.parked)
    conversation._loaded = conversation.snapshot()
    return conversation


async def save(conversation: Conversation, handled_update_id: int | None = None) -> None:
    """Write the state back if it changed; record `handled_update_id` in the same transaction.

    Recording the update with the state it led to makes a redelivered update (webhook retries)
    either fully done (and then ignored) or not done at all (and then handled again).
    """
    changed = conversation.snapshot() != conversation._loaded
    if not changed and handled_update_id is None:
        return
    async with in_transaction():
        if changed:
            values = {"flow": conversation.flow, "step": conversation.step, "data": conversation.data,
                      "parked": conversation.parked, "updated_at": datetime.now(UTC)}
            updated = await ConversationState.filter(user_id=conversation.user_id).update(**values)
            if not updated:  # the user's first state: the row does not exist yet
                await ConversationState.update_or_create(user_id=conversation.user_id, defaults=values)
        if handled_update_id is not None:
            await mark_handled(handled_update_id)
    conversation._loaded = conversation.snapshot()


async def already_handled(update_id: int) -> bool:
    """Whether an update with this id was handled before (a webhook redelivery)."""
    return await HandledUpdate.exists(update_id=update_id)


async def mark_handled(update_id: int) -> None:
    """Record that an update was handled (a no-op when it is recorded already)."""
    await HandledUpdate.bulk_create([HandledUpdate(update_id=update_id)], ignore_conflicts=True)


async def forget_handled_updates(older_than: datetime) -> int:
    """Delete records of updates handled before `older_than` (Telegram retries for a day at most)."""
    return await HandledUpdate.filter(handled_at__lt=older_than).delete()
