"""What operations ask of the database: is it reachable and migrated, how big is the outbox backlog."""

from __future__ import annotations

import asyncio
import logging

from tortoise import connections
from tortoise.functions import Count
from tortoise.migrations.executor import MigrationExecutor

from bot.db import tortoise_config
from models.delivery import Delivery, DeliveryStatus, OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)


class Readiness:
    """Checks whether this process can serve: the database answers and has every migration.

    Once the migrations were found applied that is remembered (they are applied at start-up and
    never undone while running); the database is asked to answer on every check.
    """

    def __init__(self, database_url: str, timeout: float = 3.0) -> None:
        self.database_url = database_url
        self.timeout = timeout
        self.migrated = False

    async def problems(self) -> list[str]:
        """What keeps the process from being ready (empty when ready); no details of errors."""
        try:
            async with asyncio.timeout(self.timeout):
                await connections.get("default").execute_query("SELECT 1")
                if not self.migrated:
                    pending = await pending_migrations(self.database_url)
                    if pending:
                        return [f"{len(pending)} migration(s) not applied"]
                    self.migrated = True
        except Exception as error:  # any failure means: not ready
            log.warning("readiness check failed", extra={"error": type(error).__name__})
            return ["database unreachable"]
        return []


async def pending_migrations(database_url: str) -> list[str]:
    """Names of the migrations not yet applied to the database."""
    apps = tortoise_config(database_url)["apps"]
    executor = MigrationExecutor(connections.get("default"), apps)
    steps = await executor.plan()
    return [f"{step.migration.app_label}.{step.migration.name}" for step in steps if not step.backward]


async def outbox_counts() -> dict[str, int]:
    """Outbox messages per status (every status listed, zero included)."""
    rows = await OutboxMessage.annotate(n=Count("id")).group_by("status").values_list("status", "n")
    counts = dict.fromkeys((status.value for status in OutboxStatus), 0)
    counts.update({str(status): int(n) for status, n in rows})
    return counts


async def delivery_counts() -> dict[str, int]:
    """Deliveries (one per recipient) per status: pending is the backlog, the others are results."""
    rows = await Delivery.annotate(n=Count("id")).group_by("status").values_list("status", "n")
    counts = dict.fromkeys((status.value for status in DeliveryStatus), 0)
    counts.update({str(status): int(n) for status, n in rows})
    return counts
