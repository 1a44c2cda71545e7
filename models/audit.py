"""Audit log of staff actions: who did what, to what, when and why."""

from tortoise import fields
from tortoise.models import Model


class AuditEntry(Model):
    """One staff action (or refused attempt) worth keeping a record of."""

    id = fields.IntField(primary_key=True)
    actor_telegram_id = fields.BigIntField(null=True)
    action = fields.CharField(max_length=64)
    target_type = fields.CharField(max_length=32, null=True)
    target_id = fields.IntField(null=True)
    reason = fields.CharField(max_length=1000, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "audit_entry"
        indexes = [("created_at",)]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_telegram_id}"
