"""`python -m bot subsidies import|export FILE`: staff manage the subsidy routes as a file."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings

MAX_REPORTED = 50


def add_parser(commands: Any) -> None:
    """Add the `subsidies` subcommand to the command line."""
    parser = commands.add_parser("subsidies", help="import or export the subsidy routes (YAML or CSV)",
                                 description="Import or export the subsidy routes of the subsidy desk.")
    actions = parser.add_subparsers(dest="subsidies_action", metavar="ACTION", required=True)
    load = actions.add_parser("import", help="add or update the routes in FILE (matched on code); "
                                             "all or nothing: a bad row changes nothing")
    load.add_argument("file", type=Path, help="a .yaml, .yml or .csv file")
    load.add_argument("--prune", action="store_true", help="also remove the routes whose code is not in FILE")
    load.add_argument("--dry-run", action="store_true", help="check FILE and report what would change")
    save = actions.add_parser("export", help="write every route to FILE")
    save.add_argument("file", type=Path, help="a .yaml, .yml or .csv file")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run `subsidies import` or `subsidies export`; exit status 1 when nothing could be done."""
    return asyncio.run(_run(args, settings))


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.db import close_database, migrate
    from bot.services.subsidy_files import ImportFailed, export_routes, import_routes

    await migrate(settings.database_url)  # the schema and the region's themes and municipalities
    try:
        if args.subsidies_action == "export":
            count = await export_routes(args.file)
            print(f"exported {count} route(s) to {args.file}")
            return 0
        report = await import_routes(args.file, prune=args.prune, dry_run=args.dry_run)
        print(("dry run, nothing changed: " if args.dry_run else "imported: ") + str(report))
        return 0
    except ImportFailed as failure:
        for error in failure.errors[:MAX_REPORTED]:
            where = f"{args.file}:{error.line}" if error.line else str(args.file)
            print(f"{where}: {error.field}: {error.message}", file=sys.stderr)
        if len(failure.errors) > MAX_REPORTED:
            print(f"... and {len(failure.errors) - MAX_REPORTED} more", file=sys.stderr)
        print("nothing was changed", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"{args.file}: {error.strerror or error}", file=sys.stderr)
        return 1
    finally:
        await close_database()
