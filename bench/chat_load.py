"""Load generator (its own process): N emulated citizens walk a script of chat steps concurrently.

    python -m bench.chat_load EMULATOR_URL SCRIPT USERS [FIRST_USER_ID] [THINK_SECONDS]

Each step is an action (send a text, or press a button by label) and a text the bot's answer must
contain; the step's latency runs from the action to that answer appearing in the user's chat.
THINK_SECONDS (default 0: as fast as possible) is the pause a citizen takes before each step,
drawn uniformly between 0.5x and 1.5x, as people read and type.
Prints one JSON line: steps, seconds, steps_per_second, p50_ms, p95_ms, failures.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from typing import Any

import aiohttp

from bench.scripts import SCRIPTS, Step


async def walk(session: aiohttp.ClientSession, base: str, user_id: int, steps: list[Step],
               latencies: list[float], think: float) -> int:
    """One citizen walks the script; returns the number of failed steps."""
    async with session.post(f"{base}/_emulator/users", json={
            "id": user_id, "first_name": f"Citizen{user_id}", "language_code": "en"}) as response:
        response.raise_for_status()
    version = -1
    failures = 0
    rng = random.Random(user_id)
    for step in steps:
        if think:
            await asyncio.sleep(think * rng.uniform(0.5, 1.5))
        action, argument, expect = step
        argument = argument.format(user=user_id)
        expect = expect.format(user=user_id)
        chat = await _chat(session, base, user_id, -1, 0)
        version = chat["version"]
        seen = {m["message_id"]: m for m in chat["messages"] if m["from_bot"]}
        started = time.perf_counter()
        if action == "send":
            payload: dict[str, Any] = {"text": argument}
            url = f"{base}/_emulator/users/{user_id}/messages"
        else:
            message_id, data = _button(chat["messages"], argument)
            payload = {"message_id": message_id, "data": data}
            url = f"{base}/_emulator/users/{user_id}/callbacks"
        async with session.post(url, json=payload) as response:
            response.raise_for_status()
        if await _wait_for(session, base, user_id, version, seen, expect, deadline=started + 30):
            latencies.append(time.perf_counter() - started)
        else:
            failures += 1
            break
    return failures


async def _chat(session: aiohttp.ClientSession, base: str, user_id: int, since: int, wait: float) -> Any:
    async with session.get(f"{base}/_emulator/users/{user_id}/chat",
                           params={"since": since, "wait": wait}) as response:
        response.raise_for_status()
        return await response.json()


def _button(messages: list[dict[str, Any]], label: str) -> tuple[int, str]:
    for message in reversed(messages):
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if label in button["text"] and "callback_data" in button:
                    return message["message_id"], button["callback_data"]
    raise LookupError(f"no button {label!r}")


async def _wait_for(session: aiohttp.ClientSession, base: str, user_id: int, version: int,
                    seen: dict[int, Any], expect: str, deadline: float) -> bool:
    while time.perf_counter() < deadline:
        chat = await _chat(session, base, user_id, version, 10)
        version = chat["version"]
        for message in chat["messages"]:
            if message["from_bot"] and seen.get(message["message_id"]) != message \
                    and expect in _shown(message):
                return True
    return False


def _shown(message: dict[str, Any]) -> str:
    """A message's visible text and button labels."""
    labels = [button["text"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
              for button in row]
    return "\n".join([message.get("visible_text") or "", *labels])


async def run(base: str, script: str, users: int, first_id: int, think: float) -> dict[str, Any]:
    """Run every citizen concurrently and summarise."""
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120)) as session:
        started = time.perf_counter()
        failures = await asyncio.gather(*(walk(session, base, first_id + n, SCRIPTS[script], latencies, think)
                                          for n in range(users)))
        seconds = time.perf_counter() - started
    latencies.sort()

    def percentile(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else float("nan")

    return {"steps": len(latencies), "seconds": seconds, "steps_per_second": len(latencies) / seconds,
            "p50_ms": percentile(0.50), "p95_ms": percentile(0.95), "failures": sum(failures)}


def main() -> None:
    """Command line entry."""
    base, script, users = sys.argv[1], sys.argv[2], int(sys.argv[3])
    first_id = int(sys.argv[4]) if len(sys.argv) > 4 else 100_000
    think = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
    print(json.dumps(asyncio.run(run(base.rstrip("/"), script, users, first_id, think))))


if __name__ == "__main__":
    main()
