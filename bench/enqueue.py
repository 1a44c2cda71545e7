"""Queue one announcement to every reachable citizen (a separate process): `python -m bench.enqueue URL PAID`.

Prints one JSON line: recipients and the seconds enqueueing took.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from bot.db import close_database, open_database
from bot.services import outbox
from models.citizen import Citizen
from models.delivery import OutboxKind


async def main(database_url: str, paid: bool) -> dict[str, float]:
    """Enqueue and report."""
    await open_database(database_url)
    try:
        ids = await Citizen.filter(reachable=True).values_list("id", flat=True)
        started = time.perf_counter()
        await outbox.enqueue(OutboxKind.ANNOUNCEMENT, {cid: "<b>Benchmark</b> announcement" for cid in ids},
                             paid_broadcast=paid)
        return {"recipients": len(ids), "seconds": time.perf_counter() - started}
    finally:
        await close_database()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1], sys.argv[2] == "paid"))))
