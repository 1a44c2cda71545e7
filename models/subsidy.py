"""Subsidy routes (data managed by staff) and citizens' requests for advice."""

from tortoise import fields
from tortoise.models import Model


class SubsidyRoute(Model):
    """A way to fund an initiative: who provides it, for whom, how much, until when."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=200)
    provider = fields.CharField(max_length=200)
    description_nl = fields.TextField(default="")
    description_en = fields.TextField(default="")
    themes = fields.JSONField(default=list, description="theme slugs, empty = every theme")
    municipalities = fields.JSONField(default=list, description="municipality codes, empty = region")
    applicant_types = fields.JSONField(default=list, description="individual|informal_group|foundation|association")
    min_amount_cents = fields.BigIntField(null=True)
    max_amount_cents = fields.BigIntField(null=True)
    opens_on = fields.DateField(null=True)
    deadline = fields.DateField(null=True)
    url = fields.CharField(max_length=500, default="")
    contact = fields.CharField(max_length=200, default="")
    is_example = fields.BooleanField(default=False)

    class Meta:
        table = "subsidy_route"

    def __str__(self) -> str:
        return self.code


class AdviceRequest(Model):
    """A citizen asks staff for funding advice when no route fits."""

    id = fields.IntField(primary_key=True)
    citizen = fields.ForeignKeyField("models.Citizen", related_name="advice_requests", on_delete=fields.CASCADE)
    answers = fields.JSONField(default=dict)
    reply = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    replied_at = fields.DatetimeField(null=True)

    class Meta:
        table = "advice_request"

    def __str__(self) -> str:
        return f"advice request #{self.id}"
