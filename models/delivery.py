"""The durable outbox: an outgoing message and one delivery row per recipient."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class OutboxKind(StrEnum):
    ANNOUNCEMENT = "announcement"
    UPDATE = "update"
    DIGEST = "digest"
    NOTICE = "notice"


class OutboxStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class OutboxMessage(Model):
    """Something to send to many (an announcement, an initiative update, a digest)."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(OutboxKind)
    author = fields.ForeignKeyField(
        "models.Citizen", related_name="outbox_messages", null=True, on_delete=fields.SET_NULL
    )
    audience = fields.JSONField(default=dict, description="how recipients were chosen")
    text = fields.TextField()
    photo_file_id = fields.CharField(max_length=255, null=True)
    paid_broadcast = fields.BooleanField(default=False)
    status = fields.CharEnumField(OutboxStatus, default=OutboxStatus.QUEUED)
    progress_chat_id = fields.BigIntField(null=True)
    progress_message_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_message"

    def __str__(self) -> str:
        return f"{self.kind} #{self.id}"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Delivery(Model):
    """One recipient of an outbox message, and what became of it."""

    id = fields.IntField(primary_key=True)
    message = fields.ForeignKeyField(
        "models.OutboxMessage", related_name="deliveries", on_delete=fields.CASCADE
    )
    citizen = fields.ForeignKeyField("models.Citizen", related_name="deliveries", on_delete=fields.CASCADE)
    chat_id = fields.BigIntField()
    text = fields.TextField(null=True, description="personalised text, null = the text of the message")
    status = fields.CharEnumField(DeliveryStatus, default=DeliveryStatus.PENDING)
    attempts = fields.IntField(default=0)
    last_error = fields.CharField(max_length=300, null=True)
    next_attempt_at = fields.DatetimeField(null=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "delivery"
        unique_together = [("message_id", "citizen_id")]
        indexes = [("status", "next_attempt_at"), ("message_id", "status")]

    def __str__(self) -> str:
        return f"delivery #{self.id}"
