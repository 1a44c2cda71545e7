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
    cpu_seconds,
    free_port,
    machine_description,
    peak_rss_mb,
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
                script = "echo" if kind == "echo" else "wizard"
                for index, users in enumerate(sizes):
                    results[kind][users] = await run_json(
                        python("-m", "bench.chat_load", base, script, str(users), str(100_000 * (index + 1))))
                # people read and type: 200 citizens with a pause of 1-3 s before each step
                results[kind][-200] = await run_json(
                    python("-m", "bench.chat_load", base, script, "200", str(100_000 * (len(sizes) + 1)), "2"))
    rows = []
    for users in sizes:
        product, echo = results["product"][users], results["echo"][users]
        rows.append({
            "what": f"conversation, {users} citizens as fast as they can",
            "measured": f"{product['steps_per_second']:.0f} wizard steps/s, p95 {product['p95_ms']:.0f} ms"
                        f" ({product['failures']} failed)",
            "baseline": f"echo bot {echo['steps_per_second']:.0f} steps/s, p95 {echo['p95_ms']:.0f} ms",
            "ratio": product["steps_per_second"] / echo["steps_per_second"],
            "target": "≥ 0.5",
            "met": product["steps_per_second"] >= 0.5 * echo["steps_per_second"] and product["failures"] == 0,
        })
    product, echo = results["product"][-200], results["echo"][-200]
    rows.append({
        "what": "conversation, 200 citizens at a human pace (1-3 s before each step)",
        "measured": f"p95 {product['p95_ms']:.0f} ms, p50 {product['p50_ms']:.0f} ms ({product['failures']} failed)",
        "baseline": f"echo bot p95 {echo['p95_ms']:.0f} ms",
        "ratio": product["p95_ms"] / echo["p95_ms"],
        "target": "p95 < 100 ms",
        "met": product["p95_ms"] < 100 and product["failures"] == 0,
    })
    return rows


async def wrk(url: str, seconds: int = 8, connections: int = 50) -> dict[str, Any]:
    """Load one URL with wrk (a separate C process); requests/s and p95 in ms."""
    proc = await asyncio.create_subprocess_exec(
        "wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(ROOT / "bench" / "p95.lua"),
        url, stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    result = json.loads(out.decode().strip().splitlines()[-1])
    result["rps"] = result["requests"] / result["seconds"]
    result["p95_ms"] = result["p95_us"] / 1000
    return result


async def seed_scale(database_url: str, scale: int) -> float:
    """`python -m bot seed-demo --scale N` into a fresh database; return the seconds it took."""
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(*python("-m", "bot", "seed-demo", "--scale", str(scale)), cwd=ROOT,
                                                env=base_env(DATABASE_URL=database_url),
                                                stdout=asyncio.subprocess.DEVNULL)
    if await proc.wait() != 0:
        raise RuntimeError("seed-demo failed")
    return time.perf_counter() - started


async def web(work: Path, quick: bool) -> list[Row]:
    """Requests/s of the web view's pages with 10,000 initiatives vs an aiohttp hello world."""
    scale = 1000 if quick else 10_000
    database_url = f"sqlite://{work}/web.sqlite3"
    seconds = await seed_scale(database_url, scale)
    print(f"seed-demo --scale {scale}: {seconds:.0f} s", flush=True)
    hello_port, web_port, api_port = free_port(), free_port(), free_port()
    rows = []
    with process(python("-m", "bench.hello", str(hello_port)), base_env()), \
            process(python("-m", "bot.emulator", "--port", str(api_port)), base_env()):
        await wait_http(f"http://127.0.0.1:{hello_port}/")
        await wait_http(f"http://127.0.0.1:{api_port}/_emulator/stats")
        env = base_env(TELEGRAM_BOT_TOKEN=FAKE_TOKEN, TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{api_port}/bot",
                       DATABASE_URL=database_url, WEB_PORT=str(web_port))
        with process(python("-m", "bot", "run"), env, work / "web.log"):
            site = f"http://127.0.0.1:{web_port}"
            await wait_http(f"{site}/healthz")
            baseline = await wrk(f"http://127.0.0.1:{hello_port}/")
            pages = {
                "list": "/initiatieven",
                "list, page 40, sorted by support": "/initiatieven?sort=support&page=40",
                "search": "/initiatieven?q=speeltuin",
                "initiative": f"/initiatieven/{scale // 2}",
                "statistics": "/statistieken",
            }
            for name, path in pages.items():
                result = await wrk(site + path)
                ratio = result["rps"] / baseline["rps"]
                rows.append({
                    "what": f"web view: {name} ({scale:,} initiatives)",
                    "measured": f"{result['rps']:.0f} req/s, p95 {result['p95_ms']:.1f} ms ({result['errors']} errors)",
                    "baseline": f"hello world {baseline['rps']:.0f} req/s, p95 {baseline['p95_ms']:.1f} ms",
                    "ratio": ratio,
                    "target": "≥ 0.3 and p95 < 50 ms at 50 clients",
                    "met": ratio >= 0.3 and result["p95_ms"] < 50 and result["errors"] == 0,
                })
    return rows


async def startup(work: Path, quick: bool) -> list[Row]:
    """Seconds from starting `python -m bot` to its first getUpdates, on a 10,000-initiative database."""
    scale = 1000 if quick else 10_000
    database_url = f"sqlite://{work}/startup.sqlite3"
    await seed_scale(database_url, scale)
    api_port = free_port()
    api = f"http://127.0.0.1:{api_port}"
    with process(python("-m", "bot.emulator", "--port", str(api_port)), base_env()):
        await wait_http(f"{api}/_emulator/stats")
        baseline_started = time.time()
        env = base_env(TELEGRAM_BOT_TOKEN=FAKE_TOKEN, TELEGRAM_API_BASE_URL=f"{api}/bot")
        with process(python("-m", "bench.echo_bot"), env):
            baseline = await wait_polling(api) - baseline_started
    api_port = free_port()
    api = f"http://127.0.0.1:{api_port}"
    with process(python("-m", "bot.emulator", "--port", str(api_port)), base_env()):
        await wait_http(f"{api}/_emulator/stats")
        started = time.time()
        env = base_env(TELEGRAM_BOT_TOKEN=FAKE_TOKEN, TELEGRAM_API_BASE_URL=f"{api}/bot",
                       DATABASE_URL=database_url, WEB_PORT=str(free_port()))
        with process(python("-m", "bot", "run"), env, work / "startup.log"):
            seconds = await wait_polling(api) - started
    return [{
        "what": f"start-up to first getUpdates ({scale:,} initiatives)",
        "measured": f"{seconds:.2f} s",
        "baseline": f"echo bot {baseline:.2f} s",
        "ratio": seconds / baseline,
        "target": "< 3 s",
        "met": seconds < 3,
    }]


async def deliver(work: Path, recipients: int, paid: bool) -> dict[str, Any]:
    """Send one announcement to `recipients` citizens through the product's sender; measure it."""
    from bot.services.demo import SCALE_TELEGRAM_BASE

    database_url = f"sqlite://{work}/delivery-{recipients}.sqlite3"
    await seed_scale(database_url, recipients // 10)
    port = free_port()
    api = f"http://127.0.0.1:{port}"
    with process(python("-m", "bot.emulator", "--port", str(port), "--limits"), base_env()):
        await wait_http(f"{api}/_emulator/stats")
        async with aiohttp.ClientSession() as session:
            await session.post(f"{api}/_emulator/users/bulk", json={"first_id": SCALE_TELEGRAM_BASE,
                                                                     "count": recipients})
        queued = await run_json(python("-m", "bench.enqueue", database_url, "paid" if paid else "standard"))
        env = base_env(TELEGRAM_BOT_TOKEN=FAKE_TOKEN, TELEGRAM_API_BASE_URL=f"{api}/bot",
                       DATABASE_URL=database_url, WEB_PORT=str(free_port()))
        with process(python("-m", "bot", "run"), env, work / "delivery.log") as bot:
            await wait_polling(api)
            cpu_before = cpu_seconds(bot.pid)
            deadline = time.monotonic() + recipients / (900 if paid else 27) + 120
            while time.monotonic() < deadline:
                stats = await emulator_stats(api)
                if stats["sent"] >= queued["recipients"]:
                    break
                await asyncio.sleep(0.5)
            cpu = cpu_seconds(bot.pid) - cpu_before
            rss = peak_rss_mb(bot.pid)
    seconds = (stats["last_sent_at"] or 0) - (stats["first_sent_at"] or 0)
    return {"recipients": queued["recipients"], "sent": stats["sent"], "too_many": stats["too_many_requests"],
            "rate": (stats["sent"] - 1) / seconds if seconds > 0 else 0.0, "cpu": cpu, "rss_mb": rss,
            "seconds": seconds}


async def delivery(work: Path, quick: bool) -> list[Row]:
    """Announcements at 30/s (standard) and at 1000/s (paid broadcast) against the emulation's limits."""
    standard = await deliver(work, 300 if quick else 1000, paid=False)
    paid = await deliver(work, 10_000 if quick else 100_000, paid=True)
    rows = []
    for name, result, limit in (("standard", standard, 30.0), ("paid broadcast", paid, 1000.0)):
        ratio = result["rate"] / limit
        rows.append({
            "what": f"delivery, {name}: {result['recipients']:,} recipients",
            "measured": f"{result['rate']:.1f} msg/s, {result['sent']:,} sent, {result['too_many']} × 429, "
                        f"sender CPU {result['cpu']:.0f} s, peak RSS {result['rss_mb']:.0f} MB",
            "baseline": f"the limit, {limit:.0f} msg/s",
            "ratio": ratio,
            "target": "≥ 0.95, zero 429",
            "met": ratio >= 0.95 and result["too_many"] == 0 and result["sent"] == result["recipients"],
        })
    rows.append({
        "what": f"memory: bot process with {paid['recipients']:,} citizens after the paid delivery",
        "measured": f"peak RSS {paid['rss_mb']:.0f} MB", "baseline": "—", "ratio": None,
        "target": "< 200 MB", "met": paid["rss_mb"] < 200,
    })
    return rows


BENCHMARKS: dict[str, Callable[[Path, bool], Awaitable[list[Row]]]] = {
    "delivery": delivery,
    "conversation": conversation,
    "web": web,
    "startup": startup,
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
