"""Run the Bot API emulation on its own: `python -m bot.emulator --port 8081 [--limits]`.

Point a bot at it with TELEGRAM_API_BASE_URL=http://127.0.0.1:8081/bot (used by the benchmarks,
and handy to try a bot token-free against any process).
"""

from __future__ import annotations

import argparse

from aiohttp import web

from bot.emulator.server import create_emulator_app
from bot.emulator.state import FloodLimits


def main() -> None:
    """Parse the options and serve the emulation until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m bot.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--limits", action="store_true", help="enforce Telegram's flood limits")
    parser.add_argument("--rate", type=float, default=30.0, help="overall messages per second")
    parser.add_argument("--paid-rate", type=float, default=1000.0, help="with allow_paid_broadcast")
    args = parser.parse_args()
    limits = FloodLimits(enabled=args.limits, global_per_second=args.rate, paid_per_second=args.paid_rate)
    web.run_app(create_emulator_app(limits), host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
