"""Health and metrics for operators: /healthz, /readyz, /metrics (registered by webhook.py).

- `/healthz` (liveness): the process answers. A supervisor restarts it when this fails.
- `/readyz` (readiness): the database answers and has every migration, the bot is running and
  not stopping. A load balancer sends webhook traffic only to ready workers. 503 otherwise, with
  the reasons (never error details).
- `/metrics`: Prometheus text format. Per process: updates handled, their latency (histogram),
  errors, duplicates ignored, webhook answers by status code. Database-wide (the same from every
  worker): outbox messages by status, deliveries by status (pending = backlog; sent, blocked,
  failed = results). Nothing personal. Keep it off the public internet (see README).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from telegram.ext import Application

from bot.services import monitoring
from bot.web.app import SETTINGS

PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass
class BotSlot:
    """The PTB Application of this process, as the web side sees it.

    The web server starts before the bot (in the sandbox the bot talks to an emulation served by
    the same server), so the application is put here once it exists.
    """

    application: Application | None = None
    accepting: bool = True  # False from the moment the process starts stopping
    in_flight: int = 0  # webhook updates being handled
    responses: Counter[int] = field(default_factory=Counter)  # webhook answers by status code
    _idle: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self._idle.set()

    def begin(self) -> None:
        """A webhook update starts being handled."""
        self.in_flight += 1
        self._idle.clear()

    def end(self) -> None:
        """A webhook update is done."""
        self.in_flight -= 1
        if self.in_flight == 0:
            self._idle.set()

    async def drain(self, timeout: float) -> bool:
        """Refuse new webhook updates and wait (at most `timeout` s) for those in flight."""
        self.accepting = False
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._idle.wait()
        return self.in_flight == 0


BOT = web.AppKey("bot", BotSlot)
READINESS = web.AppKey("readiness", monitoring.Readiness)


async def healthz(request: web.Request) -> web.Response:
    """Liveness: the process answers."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Readiness: database reachable and migrated, bot running, not stopping."""
    problems = await request.app[READINESS].problems()
    slot = request.app[BOT]
    if slot.application is None or not slot.application.running:
        problems.append("bot not running")
    if not slot.accepting:
        problems.append("stopping")
    if problems:
        return web.json_response({"status": "not ready", "problems": problems}, status=503)
    return web.json_response({"status": "ready"})


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text exposition of this process's counters and the outbox."""
    lines: list[str] = []
    application = request.app[BOT].application
    if application is not None:
        stats = application.bot_data.stats
        processor = application.update_processor
        _metric(lines, "samen_updates_handled_total", "counter", "Updates handled by this process.",
                [({}, stats.handled)])
        _metric(lines, "samen_update_errors_total", "counter",
                "Updates whose handling failed (the user got an apology).", [({}, stats.errors)])
        _metric(lines, "samen_updates_duplicate_total", "counter",
                "Redelivered updates ignored because they were handled before.",
                [({}, getattr(processor, "duplicates", 0))])
        _histogram(lines, stats)
        _metric(lines, "samen_updates_in_progress", "gauge", "Updates being handled now.",
                [({}, processor.current_concurrent_updates)])
    _metric(lines, "samen_webhook_requests_total", "counter", "Webhook requests by HTTP status code answered.",
            [({"code": str(code)}, n) for code, n in sorted(request.app[BOT].responses.items())])
    try:
        outbox = await monitoring.outbox_counts()
        deliveries = await monitoring.delivery_counts()
    except Exception:  # the database is away: say so, still serve the process's own numbers
        _metric(lines, "samen_database_up", "gauge", "Whether the database answered this scrape.", [({}, 0)])
    else:
        _metric(lines, "samen_database_up", "gauge", "Whether the database answered this scrape.", [({}, 1)])
        _metric(lines, "samen_outbox_messages", "gauge", "Outbox messages by status (whole database).",
                [({"status": status}, n) for status, n in outbox.items()])
        _metric(lines, "samen_deliveries", "gauge",
                "Deliveries by status (whole database): pending is the backlog, the others are results.",
                [({"status": status}, n) for status, n in deliveries.items()])
    return web.Response(text="\n".join(lines) + "\n", headers={"Content-Type": PROMETHEUS_CONTENT_TYPE})


def _metric(lines: list[str], name: str, kind: str, help_text: str,
            samples: list[tuple[dict[str, str], float]]) -> None:
    lines.append(f"# HELP {name} {help_text}")
    lines.append(f"# TYPE {name} {kind}")
    for labels, value in samples:
        lines.append(f"{name}{_labels(labels)} {_number(value)}")


def _histogram(lines: list[str], stats: Any) -> None:
    name = "samen_update_duration_seconds"
    lines.append(f"# HELP {name} Time to handle one update.")
    lines.append(f"# TYPE {name} histogram")
    for bound, count in sorted(stats.latency_buckets.items()):  # already cumulative
        lines.append(f"{name}_bucket{_labels({'le': _number(bound)})} {count}")
    lines.append(f'{name}_bucket{{le="+Inf"}} {stats.handled}')
    lines.append(f"{name}_sum {_number(stats.latency_total)}")
    lines.append(f"{name}_count {stats.handled}")


def _labels(labels: dict[str, str]) -> str:
    if not labels:
        return ""
    escaped = (f'{key}="{value.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
               for key, value in labels.items())
    return "{" + ",".join(escaped) + "}"


def _number(value: float) -> str:
    return repr(float(value)) if isinstance(value, float) else str(value)


def setup(app: web.Application, slot: BotSlot) -> None:
    """Add the health and metrics routes; `slot` is where the bot will be."""
    app[BOT] = slot
    app[READINESS] = monitoring.Readiness(app[SETTINGS].database_url)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
