"""Fixtures and seed helpers for the web view's tests (test_web_*.py): data made with the models directly."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from models.citizen import Citizen, Role
from models.initiative import Initiative, InitiativeUpdate, Membership, MembershipKind, Status
from models.region import Municipality, Theme
from tests.harness import test_settings
from webhook import create_app


@pytest.fixture
async def web(aiohttp_client: Any, database_url: str) -> TestClient:
    """An HTTP client of the whole application (webhook.create_app), on the test database."""
    return await aiohttp_client(create_app(test_settings(database_url, bot_username="TestInitiativesBot")))


_telegram_ids = iter(range(500_000, 10_000_000))


async def citizen(public_name: str | None = "Anna", *, registered_days_ago: int | None = 10, **fields: Any) -> Citizen:
    """A citizen (registered unless registered_days_ago is None), with private data that must never show."""
    registered = datetime.now(UTC) - timedelta(days=registered_days_ago) if registered_days_ago is not None else None
    defaults = {"telegram_id": next(_telegram_ids), "first_name": "Privé-voornaam", "language": "nl",
                "public_name": public_name, "email": "geheim@example.org", "organisation": "Geheime Stichting",
                "role": Role.RESIDENT, "registered_at": registered, "consent_at": registered}
    return await Citizen.create(**{**defaults, **fields})


async def initiative(title: str = "Buurtmoestuin", *, theme: str | None = "nature",
                     municipality: str | None = "deventer", status: Status = Status.PUBLISHED,
                     hidden: bool = False, members: int = 0, followers: int = 0,
                     days_ago: int = 1, initiator: Citizen | None = None, **fields: Any) -> Initiative:
    """An initiative (published a number of days ago unless another status is given)."""
    published = datetime.now(UTC) - timedelta(days=days_ago)
    values = {
        "title": title, "description": f"Beschrijving van {title}.", "status": status, "hidden": hidden,
        "members_count": members, "followers_count": followers,
        "theme": await Theme.get(slug=theme) if theme else None,
        "municipality": await Municipality.get(slug=municipality) if municipality else None,
        "published_at": published if status == Status.PUBLISHED else None,
        "submitted_at": published, "initiator": initiator,
        "initiator_name": initiator.public_name if initiator else None,
    }
    return await Initiative.create(**{**values, **fields})


async def update(of: Initiative, text: str, *, days_ago: int = 0, hidden: bool = False) -> InitiativeUpdate:
    """An update posted on an initiative."""
    posted = await InitiativeUpdate.create(initiative=of, author_id=of.initiator_id, text=text, hidden=hidden)
    moment = datetime.now(UTC) - timedelta(days=days_ago)
    await InitiativeUpdate.filter(id=posted.id).update(created_at=moment)
    return posted


async def membership(of: Initiative, who: Citizen, kind: MembershipKind = MembershipKind.JOIN,
                     offer: list[str] | None = None) -> Membership:
    """Someone joins or follows an initiative (the counters are the caller's business)."""
    return await Membership.create(initiative=of, citizen=who, kind=kind, offer=offer or [])


class QueryCounter(logging.Handler):
    """Counts the SQL statements the ORM's database clients send."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not message.startswith(("Created connection", "Closed connection")):
            self.count += 1


@contextmanager
def counting_queries() -> Iterator[QueryCounter]:
    """Count the queries made inside the block."""
    logger = logging.getLogger("tortoise.db_client")
    counter, level, propagate = QueryCounter(), logger.level, logger.propagate
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)
        logger.propagate = propagate
