"""`debtflow check-list FILE`: read a debtor list exactly as the import does, touching no AWS.

For support staff and clients' bookkeepers: see what would be imported and which rows would be
rejected (line, column, reason) before uploading.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from chalicelib.domain.debtor_list import DebtorType, InvoiceLine, RejectedRow
from chalicelib.domain.money import format_eur
from chalicelib.importing import ImportSettings, UnreadableList, read_debtor_list

PROGRESS_EVERY = 50_000
EXIT_READ = 0
EXIT_UNREADABLE = 2


@dataclass
class ListSummary:
    rows: int = 0  # rows with content below the header: accepted + rejected
    accepted: int = 0
    invoices: int = 0
    total_open_cents: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    debtor_ids: set[str] = field(default_factory=set)  # a set of ids: light enough for 1M rows

    def add(self, outcome: InvoiceLine | RejectedRow) -> None:
        self.rows += 1
        if isinstance(outcome, RejectedRow):
            self.rejected.append(outcome)
            return
        self.accepted += 1
        self.invoices += 1
        self.total_open_cents += outcome.open_cents
        self.debtor_ids.add(outcome.debtor.debtor_id)

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "accepted": self.accepted,
            "debtors": len(self.debtor_ids),
            "invoices": self.invoices,
            "total_open_cents": self.total_open_cents,
            "rejected": [{"line": r.line, "column": r.column, "reason": r.reason} for r in self.rejected],
        }


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check-list",
        help="check a debtor list (CSV or .xlsx) the way the import reads it",
        description="Read and validate a debtor list without importing it.",
    )
    parser.add_argument("file", help="the debtor list: CSV (; , or tab) or Excel .xlsx")
    parser.add_argument(
        "--client", metavar="ID", help="the client the list belongs to (shown in the summary)"
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument(
        "--default-type",
        choices=[t.value for t in DebtorType],
        default=DebtorType.BUSINESS.value,
        help="debtor type when the list does not say (default: business)",
    )
    parser.set_defaults(handler=check_list)


def client_mapping(client_id: str | None) -> tuple[Mapping[str, str] | None, str]:
    """The client's column mapping when AWS is configured (TABLE_NAME set), else None; plus a note
    saying which mapping the check used."""
    if not client_id or not os.environ.get("TABLE_NAME"):
        return None, "using the default column mapping (set TABLE_NAME to use the client's own)"
    from chalicelib import bootstrap

    client = bootstrap.client_directory().get(client_id)
    if client is None:
        return (
            None,
            f"no client {client_id!r} in {os.environ['TABLE_NAME']}: using the default column mapping",
        )
    if not client.column_mapping:
        return None, f"client {client_id} has no column mapping of its own: using the default one"
    return dict(client.column_mapping), f"using client {client_id}'s column mapping"


def check_list(args: argparse.Namespace, column_mapping: Mapping[str, str] | None = None) -> int:
    if column_mapping is None:
        column_mapping, note = client_mapping(getattr(args, "client", None))
        print(note, file=sys.stderr)
    settings = ImportSettings(default_debtor_type=DebtorType(args.default_type))
    if column_mapping:
        settings = replace(settings, column_mapping=column_mapping)
    show_progress = sys.stderr.isatty()
    summary = ListSummary()
    try:
        with open(args.file, "rb") as stream:
            reader = read_debtor_list(stream, args.file, settings)
            for outcome in reader:
                summary.add(outcome)
                if show_progress and summary.rows % PROGRESS_EVERY == 0:
                    print(f"\r{summary.rows:,} rows read...", end="", file=sys.stderr, flush=True)
    except UnreadableList as error:
        print(f"{args.file}: {error.reason}", file=sys.stderr)
        return EXIT_UNREADABLE
    except OSError as error:
        print(f"{args.file}: cannot open the file ({error.strerror or error})", file=sys.stderr)
        return EXIT_UNREADABLE
    if show_progress and summary.rows >= PROGRESS_EVERY:
        print(file=sys.stderr)
    if args.json:
        print(json.dumps(summary.as_json(), ensure_ascii=False))
    else:
        print(_readable(summary, args.file, args.client, reader))
    return EXIT_READ


def _readable(summary: ListSummary, filename: str, client: str | None, reader: Any) -> str:
    layout = reader.format.upper()
    if reader.format == "csv":
        delimiter = {"\t": "tab", ";": ";", ",": ",", "|": "|"}.get(reader.delimiter, reader.delimiter)
        layout += f", {reader.encoding}, separator {delimiter}"
    lines = [
        f"{filename}" + (f" (client {client})" if client else "") + f": {layout}",
        f"  rows:       {summary.rows}",
        f"  accepted:   {summary.accepted}",
        f"  debtors:    {len(summary.debtor_ids)}",
        f"  invoices:   {summary.invoices}",
        f"  total open: {format_eur(summary.total_open_cents)}",
        f"  rejected:   {len(summary.rejected)}",
    ]
    lines += [
        f"    line {r.line}" + (f", {r.column}" if r.column else "") + f": {r.reason}"
        for r in summary.rejected
    ]
    return "\n".join(lines)
