"""Locks across processes (DESIGN.md decisions 1 and 6): PostgreSQL advisory locks; nothing on SQLite.

On SQLite the product runs as one process, where `PerUserUpdateProcessor` already keeps each user's
updates in order, so these locks cost nothing there. On PostgreSQL several workers may receive
updates of one user (round-robin behind a proxy, or Telegram retrying at another worker):

- `UserLocks.hold(user_id)` serialises the handling of one user's updates across processes with
  `pg_advisory_lock(namespace, user id)` on a connection of a small pool of its own. It is a separate
  pool on purpose: a lock holder then never waits for a connection that another lock holder
  keeps (the ORM's pool stays free for the work done under the lock). A process that dies loses
  its connections, and PostgreSQL releases their locks at once; a connection that goes back to
  the pool is reset, which releases every advisory lock it still had.
- `advisory_lock(url, key)` holds one lock for a block (e.g. migrations at start-up, so two
  workers starting together do not both create the tables).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import asyncpg

from bot.db import is_postgres

log = logging.getLogger(__name__)

# Two-key advisory locks (namespace, object) do not overlap with one-key (bigint) locks.
CONVERSATION_NAMESPACE = 0x53564531  # "SVE1": one user's conversation
MIGRATION_LOCK = 0x5356_4500_0001  # one-key lock: migrating the schema
_ORM_POOL_DEFAULT = 5


def asyncpg_dsn(database_url: str) -> tuple[str, int]:
    """A DSN asyncpg accepts (the ORM's pool options removed) and the ORM's pool size."""
    parts = urlsplit(database_url)
    query = dict(parse_qsl(parts.query))
    orm_pool = int(query.pop("maxsize", _ORM_POOL_DEFAULT))
    query.pop("minsize", None)
    scheme = "postgresql" if parts.scheme in ("postgres", "postgresql", "asyncpg") else parts.scheme
    rest = "&".join(f"{key}={value}" for key, value in query.items())
    return urlunsplit((scheme, parts.netloc, parts.path, rest, "")), orm_pool


def user_key(user_id: int) -> int:
    """A user id folded into PostgreSQL's int4 (two users sharing a key only wait for each other)."""
    folded = user_id & 0xFFFFFFFF
    return folded - (1 << 32) if folded >= (1 << 31) else folded


class UserLocks:
    """Per-user mutual exclusion for the conversation engine, across every process on one database."""

    def __init__(self, database_url: str) -> None:
        self.enabled = is_postgres(database_url)
        self.dsn, orm_pool = asyncpg_dsn(database_url) if self.enabled else ("", 0)
        self.max_size = max(2, 2 * orm_pool)
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()

    async def open(self) -> None:
        """Connect the lock pool (PostgreSQL only; connections are made as they are needed)."""
        if not self.enabled or self._pool is not None:
            return
        async with self._opening:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(self.dsn, min_size=0, max_size=self.max_size,
                                                       max_inactive_connection_lifetime=60)

    async def close(self) -> None:
        """Close the lock pool (releasing any lock still held)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    @contextlib.asynccontextmanager
    async def hold(self, user_id: int) -> AsyncIterator[None]:
        """Hold the lock of `user_id` for the block; wait while another process holds it."""
        if not self.enabled:
            yield
            return
        if self._pool is None:
            await self.open()
        assert self._pool is not None
        async with self._pool.acquire() as connection:
            await connection.execute("SELECT pg_advisory_lock($1, $2)", CONVERSATION_NAMESPACE, user_key(user_id))
            try:
                yield
            finally:
                # Cancelled or failed unlocks are fine: releasing the connection resets it, and
                # the reset releases every advisory lock of the session.
                with contextlib.suppress(Exception):
                    await connection.execute("SELECT pg_advisory_unlock($1, $2)",
                                             CONVERSATION_NAMESPACE, user_key(user_id))


@contextlib.asynccontextmanager
async def advisory_lock(database_url: str, key: int) -> AsyncIterator[None]:
    """Hold a one-key advisory lock on its own connection for the block (no-op on SQLite)."""
    if not is_postgres(database_url):
        yield
        return
    connection = await asyncpg.connect(asyncpg_dsn(database_url)[0])
    try:
        await connection.execute("SELECT pg_advisory_lock($1)", key)
        yield
    finally:
        await connection.close()  # closing the session releases the lock
