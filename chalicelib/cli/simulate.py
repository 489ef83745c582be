"""`debtflow simulate LIST`: preview what the engine does to a debtor list, on a test clock.

The engine (infra/local/simulation.py) runs the real handlers on moto and the Mollie emulator,
which are development tools: they are not in requirements.txt (what Lambda packages), so the
engine is imported only when the command runs and its absence is explained, not traced back.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta
from pathlib import Path

EXIT_DONE = 0
EXIT_BAD_INPUT = 2
# A fixed Monday morning makes a preview repeatable: the same list and script give the same story.
DEFAULT_START = "2026-12-07T09:00"
DEFAULT_DAYS = 120


def simulate_command(args: argparse.Namespace) -> int:
    try:
        from infra.local.demo_data import DEMO_CLIENT
        from infra.local.simulation import SimulationFailed, simulate
        from infra.local.simulation_report import as_json, as_text, write_sent_messages
        from infra.local.simulation_script import (
            ScriptError,
            client_profile,
            debtor_ids_on_list,
            local_moment,
            scripted_events,
        )
    except ImportError as error:
        print(
            f"debtflow simulate needs the development tools ({error.name or error}): run it from a "
            "checkout after `make venv` (pip install -r requirements-dev.txt && pip install -e .)",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    try:
        start = local_moment(args.start)
    except ValueError:
        print(
            f"debtflow simulate: --start {args.start!r} is not a date and time like 2026-12-07T09:00",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    if args.days <= 0:
        print("debtflow simulate: --days must be at least 1", file=sys.stderr)
        return EXIT_BAD_INPUT
    end = start + timedelta(days=args.days)
    list_path = Path(args.list)
    try:
        client = client_profile(Path(args.client) if args.client else None, DEMO_CLIENT)
        debtors = debtor_ids_on_list(list_path, client)
        if not debtors:
            raise ScriptError(f"{list_path}: no row of the list can be imported")
        events = scripted_events(
            Path(args.events) if args.events else None,
            start=start,
            end=end,
            debtor_ids=set(debtors),
            client=client,
        )
        outcome = simulate(list_path, client, start, args.days, events)
    except (ScriptError, SimulationFailed) as error:
        print(f"debtflow simulate: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    report = as_json(outcome)
    _print_rejected_rows(report["rejected_rows"])
    if args.out:
        count = write_sent_messages(outcome, Path(args.out))
        print(f"{count} sent messages written to {args.out}/<debtor>/", file=sys.stderr)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(as_text(report))
    return EXIT_DONE


def _print_rejected_rows(rows: list[dict[str, object]], shown: int = 5) -> None:
    # A list with some bad rows still plays: the client sees which rows the import left out.
    if not rows:
        return
    print(f"{len(rows)} rows of the list were not imported:", file=sys.stderr)
    for row in rows[:shown]:
        column = f", {row['column']}" if row.get("column") else ""
        print(f"  {row['list']} line {row['line']}{column}: {row['reason']}", file=sys.stderr)
    if len(rows) > shown:
        print(f"  ... and {len(rows) - shown} more (see --json)", file=sys.stderr)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="preview what the engine does to a debtor list, on a simulated clock",
        description=(
            "Play a debtor list through the real import, sweep, actions and webhooks on moto and the "
            "Mollie emulator, moving a simulated clock; scripted debtor and client behaviour optional."
        ),
    )
    parser.add_argument("list", metavar="LIST", help="the debtor list (CSV or .xlsx), as a client uploads it")
    parser.add_argument(
        "--start",
        default=DEFAULT_START,
        help=f"when the list is uploaded, Amsterdam local time or with an offset (default {DEFAULT_START}, a Monday)",
    )
    parser.add_argument(
        "--days", type=int, default=DEFAULT_DAYS, help=f"days to play (default {DEFAULT_DAYS})"
    )
    parser.add_argument(
        "--client", metavar="FILE.json", help="client profile fields (default: the demo club)"
    )
    parser.add_argument(
        "--events",
        metavar="FILE.json",
        help='scripted behaviour: [{"day": 3, "debtor": "10002", "do": "pay"}, ...]',
    )
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
    parser.add_argument("--out", metavar="DIR", help="also write every sent message, one folder per debtor")
    parser.set_defaults(handler=simulate_command)
