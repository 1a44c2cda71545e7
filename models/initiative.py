"""Initiatives and everything hanging off one: members, followers, updates, coaching, reports."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    PUBLISHED = "published"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    HIDDEN = "hidden"


class HelpKind(StrEnum):
    VOLUNTEERS = "volunteers"
    MONEY = "money"
    PLACE = "place"
    KNOWLEDGE = "knowledge"
    MATERIALS = "materials"


class Initiative(Model):
    """An idea of citizens for their community, from draft to published."""

    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=100, default="")
    description = fields.TextField(default="")
    audience = fields.CharField(max_length=500, null=True, description="who it is for")
    help_needed = fields.JSONField(default=list, description="list of HelpKind values")
    budget_cents = fields.BigIntField(null=True)
    photo_file_id = fields.CharField(max_length=255, null=True)
    theme = fields.ForeignKeyField(
        "models.Theme", related_name="initiatives", null=True, on_delete=fields.SET_NULL
    )
    municipality = fields.ForeignKeyField(
        "models.Municipality", related_name="initiatives", null=True, on_delete=fields.SET_NULL
    )
    initiator = fields.ForeignKeyField(
        "models.Citizen", related_name="initiatives", null=True, on_delete=fields.SET_NULL
    )
    initiator_name = fields.CharField(max_length=64, null=True, description="public name shown")
    status = fields.CharEnumField(Status, default=Status.DRAFT)
    status_reason = fields.CharField(max_length=1000, null=True)
    hidden = fields.BooleanField(default=False, description="hidden by reports or staff")
    pending_changes = fields.JSONField(
        null=True, description="an edit of a published initiative waiting for moderation: fields and since")
    members_count = fields.IntField(default=0)
    followers_count = fields.IntField(default=0)
    join_digest_at = fields.DatetimeField(null=True, description="when the initiator last got a join digest")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    submitted_at = fields.DatetimeField(null=True)
    published_at = fields.DatetimeField(null=True)

    memberships: fields.ReverseRelation["Membership"]
    updates: fields.ReverseRelation["InitiativeUpdate"]

    class Meta:
        table = "initiative"
        indexes = [
            ("status", "published_at"),
            ("status", "theme_id"),
            ("status", "municipality_id"),
            ("initiator_id", "status"),
        ]

    def __str__(self) -> str:
        return f"initiative #{self.id}"


class MembershipKind(StrEnum):
    JOIN = "join"
    FOLLOW = "follow"


class Membership(Model):
    """A citizen who joined ("doe mee") or follows an initiative."""

    id = fields.IntField(primary_key=True)
    initiative = fields.ForeignKeyField(
        "models.Initiative", related_name="memberships", on_delete=fields.CASCADE
    )
    citizen = fields.ForeignKeyField("models.Citizen", related_name="memberships", on_delete=fields.CASCADE)
    kind = fields.CharEnumField(MembershipKind)
    offer = fields.JSONField(default=list, description="help offered: list of HelpKind values")
    offer_text = fields.CharField(max_length=500, null=True)
    share_contact = fields.BooleanField(default=False)
    contact_username = fields.CharField(max_length=64, null=True, description="Telegram username, only with consent")
    notified = fields.BooleanField(default=False, description="included in an initiator digest")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "membership"
        unique_together = [("initiative_id", "citizen_id", "kind")]
        indexes = [("citizen_id", "kind"), ("initiative_id", "notified")]

    def __str__(self) -> str:
        return f"{self.kind} of citizen #{self.citizen_id} in initiative #{self.initiative_id}"


class InitiativeUpdate(Model):
    """News an initiator posts to everyone who joined or follows."""

    id = fields.IntField(primary_key=True)
    initiative = fields.ForeignKeyField(
        "models.Initiative", related_name="updates", on_delete=fields.CASCADE
    )
    author = fields.ForeignKeyField(
        "models.Citizen", related_name="updates", null=True, on_delete=fields.SET_NULL
    )
    text = fields.TextField()
    photo_file_id = fields.CharField(max_length=255, null=True)
    hidden = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "initiative_update"
        indexes = [("initiative_id", "created_at")]

    def __str__(self) -> str:
        return f"update #{self.id} of initiative #{self.initiative_id}"


class CoachingOffer(Model):
    """An offer of a professional to coach an initiative, which the initiator accepts or declines."""

    id = fields.IntField(primary_key=True)
    initiative = fields.ForeignKeyField(
        "models.Initiative", related_name="coaching_offers", on_delete=fields.CASCADE
    )
    professional = fields.ForeignKeyField(
        "models.Citizen", related_name="coaching_offers", on_delete=fields.CASCADE
    )
    status = fields.CharField(max_length=16, default="offered", description="offered|accepted|declined")
    contact_username = fields.CharField(max_length=64, null=True, description="Telegram username of the professional")
    created_at = fields.DatetimeField(auto_now_add=True)
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "coaching_offer"
        unique_together = [("initiative_id", "professional_id")]

    def __str__(self) -> str:
        return f"coaching offer #{self.id}"


class Report(Model):
    """Someone reports an initiative or an update as spam, offensive or out of place."""

    id = fields.IntField(primary_key=True)
    target_type = fields.CharField(max_length=16, description="initiative | update")
    target_id = fields.IntField()
    reporter = fields.ForeignKeyField("models.Citizen", related_name="reports", on_delete=fields.CASCADE)
    reason = fields.CharField(max_length=32)
    note = fields.CharField(max_length=500, null=True)
    resolved = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "report"
        unique_together = [("target_type", "target_id", "reporter_id")]

    def __str__(self) -> str:
        return f"report #{self.id} on {self.target_type} #{self.target_id}"
