"""`python -m bench [--only NAME,...] [--quick]`: measure the product against same-run baselines.

Every figure is a ratio against a baseline measured in this run on this machine; the load
generators run as processes separate from the servers they measure. Prints a table and writes
bench/results.json. Targets are in BENCHMARKS.md; timings are never asserted in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

from bench.procs import (
    FAKE_TOKEN,
    ROOT,
    base_env,
    free_port,
    machine_description,
    process,
    python,
    wait_http,
)

Row = dict[str, Any]


async def run_json(args: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run a load-generator process and parse the JSON line it prints."""
    proc = await asyncio.create_subprocess_exec(*args, cwd=ROOT, env=env or base_env(),
                                                stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{args} failed with {proc.returncode}")
    return json.loads(out.decode().strip().splitlines()[-1])


async def emulator_stats(base: str) -> dict[str, Any]:
    """The emulation's counters."""
    async with aiohttp.ClientSession() as session, session.get(f"{base}/_emulator/stats") as response:
        return await response.json()


async def wait_polling(base: str, timeout: float = 60) -> float:
    """Wait until a bot made its first getUpdates call; return that wall-clock time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stats = await emulator_stats(base)
        if stats.get("first_get_updates_at"):
            return stats["first_get_updates_at"]
        await asyncio.sleep(0.05)
    raise TimeoutError("the bot never polled")


async def conversation(work: Path, quick: bool) -> list[Row]:
    """Wizard steps per second of the product vs a minimal PTB echo bot, at several concurrencies."""
    sizes = (50, 200) if quick else (50, 200, 1000)
    results: dict[str, dict[int, dict[str, Any]]] = {}
    for kind in ("echo", "product"):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with process(python("-m", "bot.emulator", "--port", str(port)), base_env()):
            await wait_http(f"{base}/_emulator/stats")
            env = base_env(TELEGRAM_BOT_TOKEN=FAKE_TOKEN, TELEGRAM_API_BASE_URL=f"{base}/bot",
                           DATABASE_URL=f"sqlite://{work}/conversation.sqlite3", WEB_PORT=str(free_port()))
            command = python("-m", "bench.echo_bot") if kind == "echo" else python("-m", "bot", "run")
            with process(command, env, work / f"{kind}.log"):
                await wait_polling(base)
                results[kind] = {}
                for index, users in enumerate(sizes):
                    script = "echo" if kind == "echo" else "wizard"
                    results[kind][users] = await run_json(
                        python("-m", "bench.chat_load", base, script, str(users), str(100_000 * (index + 1))))
    rows = []
    for users in sizes:
        product, echo = results["product"][users], results["echo"][users]
        rows.append({
            "what": f"conversation, {users} citizens",
            "measured": f"{product['steps_per_second']:.0f} steps/s, p95 {product['p95_ms']:.0f} ms"
                        f" ({product['failures']} failed)",
            "baseline": f"echo bot {echo['steps_per_second']:.0f} steps/s, p95 {echo['p95_ms']:.0f} ms",
            "ratio": product["steps_per_second"] / echo["steps_per_second"],
            "target": "≥ 0.5" + (" and p95 < 100 ms" if users == 200 else ""),
            "met": product["steps_per_second"] >= 0.5 * echo["steps_per_second"] and product["failures"] == 0
                   and (users != 200 or product["p95_ms"] < 100),
        })
    return rows


BENCHMARKS: dict[str, Callable[[Path, bool], Awaitable[list[Row]]]] = {
    "conversation": conversation,
}


def print_table(rows: list[Row]) -> None:
    """The report, as a Markdown table."""
    print("| what | measured | baseline (same run) | ratio | target | met |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        ratio = f"{row['ratio']:.2f}" if isinstance(row.get("ratio"), float) else "—"
        print(f"| {row['what']} | {row['measured']} | {row['baseline']} | {ratio} | {row['target']} | "
              f"{'yes' if row['met'] else 'NO'} |")


async def main_async(only: list[str], quick: bool) -> None:
    """Run the chosen benchmarks and print the table."""
    print(f"Machine: {machine_description()}\n")
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for name in only:
            rows.extend(await BENCHMARKS[name](Path(tmp), quick))
    print_table(rows)
    (ROOT / "bench" / "results.json").write_text(json.dumps(
        {"machine": machine_description(), "rows": rows}, indent=2, default=str))


def main() -> None:
    """Command line entry."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated: " + ", ".join(BENCHMARKS))
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a quick look")
    args = parser.parse_args()
    asyncio.run(main_async([name for name in args.only.split(",") if name], args.quick))


if __name__ == "__main__":
    main()
