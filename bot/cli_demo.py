"""`python -m bot seed-demo [--scale N]`: fill the database with demo data (see bot/services/demo.py)."""

from __future__ import annotations

import asyncio
import sys
import time


def run_seed_demo(database_url: str, scale: int | None) -> int:
    """Migrate, seed the demo (or scale mode), print what the database holds; exit status 2 on a bad N."""
    if scale is not None and scale < 1:
        print("seed-demo: --scale must be at least 1", file=sys.stderr)
        return 2
    return asyncio.run(_run(database_url, scale))


async def _run(database_url: str, scale: int | None) -> int:
    from bot.db import close_database, migrate
    from bot.services.demo import seed_demo

    started = time.perf_counter()
    await migrate(database_url)
    try:
        counts = await seed_demo(scale)
    finally:
        await close_database()
    what = f"scale mode (N={scale})" if scale is not None else "demo"
    print(f"{what}: {counts.initiatives} initiatives, {counts.citizens} citizens, {counts.memberships} "
          f"memberships, {counts.updates} updates, {counts.subsidy_routes} example subsidy routes "
          f"({time.perf_counter() - started:.1f} s)")
    return 0
