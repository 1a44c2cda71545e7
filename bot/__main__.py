"""Command line: `python -m bot [run|migrate|check-config]`."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot import cli_ops, cli_subsidies
from bot.config import ConfigError, Settings, load_settings
from bot.logging_setup import configure_logging


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Samen voor Elkaar: citizen initiative bot and web view. "
                    "Configuration comes from the environment or a .env file (see .env.example).",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="run the bot and the web view (default; sandbox without a token)")
    commands.add_parser("migrate", help="apply database migrations and load the region's seed data")
    commands.add_parser("check-config", help="validate the configuration and print it (secrets hidden)")
    seed_demo = commands.add_parser("seed-demo", help="fill the database with demo data (idempotent)")
    seed_demo.add_argument("--scale", type=int, metavar="N",
                           help="instead: N initiatives with 10 citizens and 30 memberships each, for benchmarks")
    cli_subsidies.add_parser(commands)
    cli_ops.add_parsers(commands)
    return parser


def describe(settings: Settings) -> str:
    """The configuration as text, with secrets hidden."""
    return "\n".join([
        f"mode: {'sandbox (no TELEGRAM_BOT_TOKEN)' if settings.sandbox else 'telegram'}",
        f"TELEGRAM_API_BASE_URL={settings.telegram_api_base_url}",
        f"DATABASE_URL={_hide_password(settings.database_url)}",
        f"STAFF_IDS={len(settings.staff_ids)} staff member(s)",
        f"WEB_HOST={settings.web_host} WEB_PORT={settings.web_port}",
        f"PUBLIC_URL={settings.public_url}",
        f"WEBHOOK_URL={settings.webhook_url or '(none: long polling)'}",
        f"DEFAULT_LOCALE={settings.default_locale}",
    ])


def _hide_password(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m bot` and the `samen-bot` script."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    configure_logging(settings, level=settings.log_level, fmt=settings.log_format)
    command = args.command or "run"
    if command == "check-config":
        print(describe(settings))
        return 0
    if command == "subsidies":
        return cli_subsidies.run(args, settings)
    if command in ("initiatives", "export-db", "import-db"):
        return cli_ops.run(args, settings)
    if command == "migrate":
        from bot.db import close_database, migrate

        async def run_migrate() -> None:
            await migrate(settings.database_url)
            await close_database()

        asyncio.run(run_migrate())
        print("database is up to date")
        return 0
    if command == "seed-demo":
        from bot.cli_demo import run_seed_demo

        return run_seed_demo(settings.database_url, args.scale)
    from bot.runner import serve

    asyncio.run(serve(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
