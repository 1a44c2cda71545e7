"""Database start-up and shutdown: Tortoise configuration, migrations, seed data."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from tortoise import Tortoise
from tortoise.migrations.api import migrate as run_migrations

from models import MODEL_MODULES

log = logging.getLogger(__name__)


def normalise_url(database_url: str) -> str:
    """Tortoise spells PostgreSQL asyncpg://; accept postgres:// and postgresql:// too."""
    for prefix in ("postgresql://", "postgres://"):
        if database_url.startswith(prefix):
            return "asyncpg://" + database_url[len(prefix):]
    return database_url


def is_postgres(database_url: str) -> bool:
    """Whether the URL points at PostgreSQL."""
    return normalise_url(database_url).startswith("asyncpg://")


def tortoise_config(database_url: str) -> dict[str, Any]:
    """The Tortoise configuration for one database URL."""
    url = normalise_url(database_url)
    if url.startswith("sqlite://") and url != "sqlite://:memory:":
        path = url[len("sqlite://"):].split("?", 1)[0]
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        if "?" not in url:
            url += "?busy_timeout=5000&synchronous=NORMAL"
    return {
        "connections": {"default": url},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "migrations": "migrations",
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def migrate(database_url: str) -> None:
    """Apply every pending migration, then make sure the seed data is present.

    On PostgreSQL an advisory lock makes workers that start together migrate one after another.
    """
    from bot.locks import MIGRATION_LOCK, advisory_lock
    from bot.services.seed import load_seed_data

    async with advisory_lock(database_url, MIGRATION_LOCK):
        await run_migrations(config=tortoise_config(database_url))
        await Tortoise.close_connections()
        await open_database(database_url)
        await load_seed_data()


async def open_database(database_url: str) -> None:
    """Connect the ORM for this process (usable from every task, PTB's included)."""
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def close_database() -> None:
    """Close every connection cleanly (and release the ORM's process-wide context)."""
    await Tortoise.close_connections()
