"""Where and about what: municipalities of the region and the themes of initiatives."""

from tortoise import fields
from tortoise.models import Model


class Municipality(Model):
    """A municipality of the region (seed data, see bot/seed/)."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=16, unique=True, description="CBS code, e.g. GM0153")
    name = fields.CharField(max_length=100)
    slug = fields.CharField(max_length=100, unique=True)
    region = fields.CharField(max_length=100, description="province or region name")

    class Meta:
        table = "municipality"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Theme(Model):
    """A theme an initiative belongs to (seed data)."""

    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=50, unique=True)
    name_nl = fields.CharField(max_length=100)
    name_en = fields.CharField(max_length=100)
    sort_order = fields.IntField(default=0)

    class Meta:
        table = "theme"
        ordering = ["sort_order", "slug"]

    def name(self, locale: str) -> str:
        """The theme's name in `locale` (nl or en)."""
        return self.name_en if locale == "en" else self.name_nl

    def __str__(self) -> str:
        return self.slug
