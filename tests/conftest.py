"""Fixtures: a fresh database per test, the Bot API emulation, the real bot, and test citizens.

The database is SQLite in a temporary folder, or the PostgreSQL named by TEST_DATABASE_URL
(the schema is dropped and migrated again for every test).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from bot.db import close_database, migrate
from bot.emulator.client import EmulatorClient
from bot.emulator.server import WORLD, create_emulator_app
from bot.emulator.state import World
from tests.harness import BotUnderTest, Citizen, postgres_url, test_settings


@pytest.fixture
async def database_url(tmp_path) -> AsyncIterator[str]:
    """A migrated, seeded, empty database; the ORM is connected for the test's process."""
    url = postgres_url()
    if url:
        connection = await asyncpg.connect(url)
        try:
            await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
        finally:
            await connection.close()
    else:
        url = f"sqlite://{tmp_path}/test.sqlite3"
    await migrate(url)
    yield url
    await close_database()


@pytest.fixture
async def emulator_server() -> AsyncIterator[TestServer]:
    """The Bot API emulation on a free local port."""
    server = TestServer(create_emulator_app())
    await server.start_server()
    yield server
    await server.close()


@pytest.fixture
def world(emulator_server: TestServer) -> World:
    """The emulation's state, for assertions the control API does not offer."""
    return emulator_server.app[WORLD]


@pytest.fixture
async def emulator(emulator_server: TestServer) -> AsyncIterator[EmulatorClient]:
    """A client of the emulation's control API."""
    async with ClientSession() as session:
        yield EmulatorClient(str(emulator_server.make_url("")), session)


@pytest.fixture
async def bot(database_url: str, emulator_server: TestServer) -> AsyncIterator[BotUnderTest]:
    """The real bot, polling the emulation."""
    running = BotUnderTest(test_settings(database_url), str(emulator_server.make_url("/bot")))
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
def citizen(bot: BotUnderTest, emulator: EmulatorClient) -> Callable[..., Awaitable[Citizen]]:
    """Make a test citizen: `await citizen(1001, "Anna", "nl")`."""

    async def make(user_id: int, first_name: str = "Test", language_code: str | None = "nl") -> Citizen:
        return Citizen(await emulator.user(user_id, first_name, language_code), bot, emulator)

    return make
