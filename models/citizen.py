"""People: citizens, professionals and staff as Telegram users, with their profile."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Role(StrEnum):
    RESIDENT = "resident"
    PROFESSIONAL = "professional"


class Citizen(Model):
    """Everyone who ever wrote to the bot, with a profile once they registered."""

    id = fields.IntField(primary_key=True)
    telegram_id = fields.BigIntField(unique=True)
    first_name = fields.CharField(max_length=255, default="")
    language = fields.CharField(max_length=8)
    # profile (filled by registration; registered_at marks a complete profile)
    public_name = fields.CharField(max_length=64, null=True)
    municipality = fields.ForeignKeyField(
        "models.Municipality", related_name="citizens", null=True, on_delete=fields.SET_NULL
    )
    role = fields.CharEnumField(Role, default=Role.RESIDENT)
    organisation = fields.CharField(max_length=128, null=True)
    verified_professional = fields.BooleanField(default=False)
    email = fields.CharField(max_length=254, null=True)
    consent_at = fields.DatetimeField(null=True)
    registered_at = fields.DatetimeField(null=True)
    # reachability and preferences
    reachable = fields.BooleanField(default=True, description="False once the bot is blocked")
    blocked_by_staff = fields.BooleanField(default=False)
    blocked_notified = fields.BooleanField(default=False, description="the one notice about the block was sent")
    receive_announcements = fields.BooleanField(default=True)
    coaching_digest_at = fields.DatetimeField(null=True, description="last coaching digest (professionals)")
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField(auto_now_add=True)

    theme_preferences: fields.ReverseRelation["ThemePreference"]

    class Meta:
        table = "citizen"
        indexes = [("registered_at",), ("municipality_id", "reachable")]

    def __str__(self) -> str:
        return f"citizen #{self.id}"


class ThemePreference(Model):
    """Interest of a citizen in a theme: announcements about it, or (professionals) coaching."""

    id = fields.IntField(primary_key=True)
    citizen = fields.ForeignKeyField(
        "models.Citizen", related_name="theme_preferences", on_delete=fields.CASCADE
    )
    theme = fields.ForeignKeyField("models.Theme", related_name="preferences", on_delete=fields.CASCADE)
    kind = fields.CharField(max_length=16, description="announcements | coaching")

    class Meta:
        table = "theme_preference"
        unique_together = [("citizen_id", "theme_id", "kind")]

    def __str__(self) -> str:
        return f"{self.kind} preference of citizen #{self.citizen_id}"
