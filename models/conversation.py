"""Conversation state per user (DESIGN.md decision 1) and handled webhook updates."""

from tortoise import fields
from tortoise.models import Model


class ConversationState(Model):
    """Where a user is in a flow, and the answers of that flow so far, read on every update."""

    user_id = fields.BigIntField(primary_key=True, generated=False, description="Telegram user id")
    flow = fields.CharField(max_length=32, null=True)
    step = fields.CharField(max_length=64, null=True)
    data = fields.JSONField(default=dict)
    parked = fields.JSONField(default=dict, description="flows left with /cancel: step and answers")
    locked_until = fields.DatetimeField(null=True, description="lease for cross-process ordering")
    lock_owner = fields.CharField(max_length=64, null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "conversation_state"

    def __str__(self) -> str:
        return f"conversation of user {self.user_id}: {self.flow}/{self.step}"


class HandledUpdate(Model):
    """An update_id already handled, so a redelivered webhook update is ignored."""

    update_id = fields.BigIntField(primary_key=True, generated=False)
    handled_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "handled_update"

    def __str__(self) -> str:
        return f"update {self.update_id}"
