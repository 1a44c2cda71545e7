"""A small reverse proxy for the production tests: Telegram's (the emulation's) webhook → bot workers.

Round-robin over its targets, as a load balancer in front of several workers would be; a target
that cannot be reached answers 502, so the emulation retries (and the next try goes elsewhere).
Tests can make it misbehave: answer 502 after the bot handled an update (the bot crashed before
its 200 got out), drop an update before it reaches a bot, or send every update to all targets
at once (a redelivery racing the first delivery).
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import Counter

from aiohttp import ClientError, ClientSession, ClientTimeout, web
from aiohttp.test_utils import TestServer

FORWARDED_HEADERS = ("Content-Type", "X-Telegram-Bot-Api-Secret-Token")


class Proxy:
    """Forwards POSTs to `targets` (base URLs), keeping the path."""

    def __init__(self, targets: list[str] | None = None) -> None:
        self.targets = list(targets or [])
        self.fan_out = False  # every update to every target at once
        self.lose_answer_of: set[int] = set()  # forward these update ids, then answer 502 (once each)
        self.lose_request_of: set[int] = set()  # answer 502 without forwarding (once each)
        self.forwarded: Counter[int] = Counter()  # update id -> times a bot answered 200 for it
        self.answers: Counter[int] = Counter()  # status codes given to the emulation
        self._turn = itertools.count()
        self._session: ClientSession | None = None
        self.server: TestServer | None = None

    async def start(self) -> str:
        """Serve on a free local port; return the base URL."""
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_post("/{path:.*}", self.handle)
        self._session = ClientSession(timeout=ClientTimeout(total=60))
        self.server = TestServer(app)
        await self.server.start_server()
        return str(self.server.make_url("")).rstrip("/")

    async def close(self) -> None:
        """Stop serving."""
        if self.server is not None:
            await self.server.close()
        if self._session is not None:
            await self._session.close()

    async def handle(self, request: web.Request) -> web.Response:
        """Forward one delivery."""
        body = await request.read()
        headers = {name: request.headers[name] for name in FORWARDED_HEADERS if name in request.headers}
        try:
            update_id = int(json.loads(body)["update_id"])
        except (ValueError, KeyError, TypeError):
            update_id = -1
        if update_id in self.lose_request_of:
            self.lose_request_of.discard(update_id)
            return self._answer(502)
        if self.fan_out:
            statuses = await asyncio.gather(*(self._forward(target, request.path, body, headers, update_id)
                                              for target in self.targets))
            status = max(statuses)
        else:
            target = self.targets[next(self._turn) % len(self.targets)]
            status = await self._forward(target, request.path, body, headers, update_id)
        if update_id in self.lose_answer_of:
            self.lose_answer_of.discard(update_id)
            return self._answer(502)
        return self._answer(status)

    async def _forward(self, target: str, path: str, body: bytes, headers: dict[str, str], update_id: int) -> int:
        assert self._session is not None
        try:
            async with self._session.post(target + path, data=body, headers=headers) as response:
                await response.read()
                if response.status == 200:
                    self.forwarded[update_id] += 1
                return response.status
        except (OSError, ClientError, TimeoutError):
            return 502

    def _answer(self, status: int) -> web.Response:
        self.answers[status] += 1
        return web.Response(status=status)
