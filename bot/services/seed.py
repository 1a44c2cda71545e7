"""Load the region's seed data (municipalities and themes) from a YAML file, idempotently."""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

import yaml

from models.region import Municipality, Theme

DEFAULT_SEED_FILE = Path(__file__).resolve().parent.parent / "seed" / "overijssel.yaml"


def slugify(text: str) -> str:
    """ASCII, lower-case, hyphenated: 'Hof van Twente' -> 'hof-van-twente'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


async def load_seed_data(path: Path | None = None) -> None:
    """Insert or update the municipalities and themes listed in the seed file."""
    path = path or Path(os.environ.get("SEED_FILE") or DEFAULT_SEED_FILE)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    region = data["region"]
    for item in data["municipalities"]:
        await Municipality.update_or_create(
            code=item["code"],
            defaults={"name": item["name"], "slug": slugify(item["name"]), "region": region},
        )
    for order, item in enumerate(data["themes"]):
        await Theme.update_or_create(
            slug=item["slug"],
            defaults={"name_nl": item["nl"], "name_en": item["en"], "sort_order": order},
        )
