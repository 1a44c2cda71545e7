"""Operations on the command line: `initiatives import FILE.csv`, `export-db FILE`, `import-db FILE`.

- `python -m bot initiatives import FILE.csv [--dry-run]`: bring in initiatives collected elsewhere
  (columns: bot/services/initiative_import.py and the README); all or nothing, every problem
  printed as FILE:LINE: column: message.
- `python -m bot export-db FILE`: every row of every table to a JSON-lines file (stop the bot first).
- `python -m bot import-db FILE`: load such a file into a new, empty database (DATABASE_URL), e.g.
  to move from SQLite to PostgreSQL; all or nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings

MAX_REPORTED = 50


def add_parsers(commands: Any) -> None:
    """Add the `initiatives`, `export-db` and `import-db` subcommands."""
    parser = commands.add_parser("initiatives", help="import initiatives collected elsewhere (CSV)",
                                 description="Bring in initiatives collected elsewhere.")
    actions = parser.add_subparsers(dest="initiatives_action", metavar="ACTION", required=True)
    load = actions.add_parser("import", help="import every initiative in FILE.csv, or none if a row is wrong")
    load.add_argument("file", type=Path, help="a CSV file (UTF-8) with a header row; see the README for the columns")
    load.add_argument("--dry-run", action="store_true", help="only check FILE")
    export = commands.add_parser("export-db", help="write every row of the database to FILE (JSON lines)")
    export.add_argument("file", type=Path)
    load_db = commands.add_parser("import-db", help="load a file written by export-db into a new, empty database")
    load_db.add_argument("file", type=Path)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run one of the subcommands; exit status 1 when it could not be done (nothing changed then)."""
    return asyncio.run(_run(args, settings))


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.db import close_database, migrate
    from bot.services.dump import DumpError, export_database, import_database
    from bot.services.initiative_import import ImportFailed, import_initiatives

    try:
        await migrate(settings.database_url)
        if args.command == "initiatives":
            count = await import_initiatives(_read(args.file), dry_run=args.dry_run)
            print(f"{args.file}: {count} initiative(s) {'checked, nothing imported' if args.dry_run else 'imported'}")
        elif args.command == "export-db":
            counts = await export_database(args.file)
            print(f"exported {sum(counts.values())} row(s) of {len(counts)} table(s) to {args.file}")
        else:
            counts = await import_database(args.file)
            print(f"imported {sum(counts.values())} row(s) of {len(counts)} table(s) from {args.file}")
        return 0
    except ImportFailed as failure:
        for error in failure.errors[:MAX_REPORTED]:
            print(f"{args.file}:{error.line}: {error.field}: {error.message}", file=sys.stderr)
        if len(failure.errors) > MAX_REPORTED:
            print(f"... and {len(failure.errors) - MAX_REPORTED} more", file=sys.stderr)
        print("nothing was imported", file=sys.stderr)
        return 1
    except DumpError as error:
        where = f"{args.file}:{error.line}" if error.line else str(args.file)
        print(f"{where}: {error.message}", file=sys.stderr)
        print("nothing was changed", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"{args.file}: {error.strerror or error}", file=sys.stderr)
        return 1
    finally:
        await close_database()


def _read(path: Path) -> bytes:
    return path.read_bytes()
