"""`debtflow check-list FILE`: read a debtor list exactly as the import does, touching no AWS.

For support staff and clients' bookkeepers: see what would be imported, which column was read as
which field, which rows would be rejected and which optional fields left out (line, column,
reason) before uploading.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from chalicelib.domain.debtor_list import DebtorType, DroppedField, InvoiceLine, RejectedRow
from chalicelib.domain.money import format_eur
from chalicelib.importing import DebtorListReader, ImportSettings, UnreadableList, read_debtor_list
from chalicelib.importing.headers import FIELD_NAMES

PROGRESS_EVERY = 50_000
EXIT_READ = 0
EXIT_UNREADABLE = 2
# Text mode lists this many rejected rows and left-out fields, then says how many more there are.
SHOWN_BY_DEFAULT = 20

EXIT_CODES = f"""exit codes:
  {EXIT_READ}  the list is readable: the summary is printed (rejected rows are part of the summary,
     not of the exit code)
  {EXIT_UNREADABLE}  the file cannot be read as a debtor list (or not opened): nothing of it would
     be imported; the reason is on stderr"""


@dataclass
class ListSummary:
    rows: int = 0  # rows with content below the header: accepted + rejected
    accepted: int = 0
    invoices: int = 0
    total_open_cents: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    dropped: list[DroppedField] = field(default_factory=list)
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
        self.dropped.extend(outcome.dropped)

    def as_json(self, columns: Mapping[str, str] | None = None) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "accepted": self.accepted,
            "debtors": len(self.debtor_ids),
            "invoices": self.invoices,
            "total_open_cents": self.total_open_cents,
            "columns": dict(columns or {}),
            "rejected": [{"line": r.line, "column": r.column, "reason": r.reason} for r in self.rejected],
            "fields_dropped": [
                {"line": d.line, "column": d.column, "reason": d.reason} for d in self.dropped
            ],
        }


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check-list",
        help="check a debtor list (CSV or .xlsx) the way the import reads it",
        description="Read and validate a debtor list without importing it: which column is read "
        "as which field, the rows that would be rejected and the optional fields left out.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", help="the debtor list: CSV (; , or tab) or Excel .xlsx")
    parser.add_argument(
        "--client",
        metavar="ID",
        help="the client the list belongs to: its own column mapping is used when the stage's "
        "table is configured (TABLE_NAME)",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON (every row)")
    parser.add_argument(
        "--show",
        metavar="N",
        type=int,
        default=SHOWN_BY_DEFAULT,
        help=f"text mode: list at most N rejected rows and N left-out fields (default {SHOWN_BY_DEFAULT})",
    )
    parser.add_argument(
        "--default-type",
        choices=[t.value for t in DebtorType],
        default=DebtorType.BUSINESS.value,
        help="debtor type when the list does not say (default: business)",
    )
    parser.set_defaults(handler=check_list)


def client_mapping(client_id: str | None) -> tuple[Mapping[str, str] | None, str | None]:
    """The client's column mapping when the stage's table is configured (TABLE_NAME), else None;
    plus a note for stderr when a client was named but its mapping could not be used."""
    if not client_id:
        return None, None
    if not os.environ.get("TABLE_NAME"):
        return None, (
            f"client {client_id}'s own column mapping was not read (no stage configured: TABLE_NAME "
            "is not set); columns are recognised by their usual names"
        )
    from chalicelib import bootstrap

    client = bootstrap.client_directory().get(client_id)
    if client is None:
        return (
            None,
            f"no client {client_id!r} in {os.environ['TABLE_NAME']}; columns are recognised by their usual names",
        )
    return dict(client.column_mapping) or None, None


def check_list(args: argparse.Namespace, column_mapping: Mapping[str, str] | None = None) -> int:
    if column_mapping is None:
        column_mapping, note = client_mapping(getattr(args, "client", None))
        if note:
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
        print(json.dumps(summary.as_json(reader.columns), ensure_ascii=False))
    else:
        mapped = frozenset(column_mapping or ())
        print(_readable(summary, args.file, args.client, reader, mapped, max(args.show, 0)))
    return EXIT_READ


def mapping_in_words(columns: Mapping[str, str], from_client: frozenset[str]) -> list[str]:
    """One line per field read: which of the file's columns fed it, and why that one."""
    lines = []
    for name, header in columns.items():
        how = "the client's column mapping" if name in from_client else "a usual name"
        lines.append(f"    {FIELD_NAMES.get(name, name):<20} <- column '{header}' ({how})")
    return lines


def _readable(
    summary: ListSummary,
    filename: str,
    client: str | None,
    reader: DebtorListReader,
    from_client: frozenset[str],
    shown: int,
) -> str:
    layout = reader.format.upper()
    if reader.format == "csv" and reader.delimiter is not None:
        delimiter = {"\t": "tab", ";": ";", ",": ",", "|": "|"}.get(reader.delimiter, reader.delimiter)
        layout += f", {reader.encoding}, separator {delimiter}"
    lines = [
        f"{filename}" + (f" (client {client})" if client else "") + f": {layout}",
        "  columns read:",
        *mapping_in_words(reader.columns, from_client),
        f"  rows:       {summary.rows}",
        f"  accepted:   {summary.accepted}",
        f"  debtors:    {len(summary.debtor_ids)}",
        f"  invoices:   {summary.invoices}",
        f"  total open: {format_eur(summary.total_open_cents)}",
        f"  rejected:   {len(summary.rejected)}",
    ]
    lines += _capped([_entry(r.line, r.column, r.reason) for r in summary.rejected], shown, "rejected rows")
    lines.append(f"  optional fields left out (the rows were accepted): {len(summary.dropped)}")
    lines += _capped([_entry(d.line, d.column, d.reason) for d in summary.dropped], shown, "fields left out")
    return "\n".join(lines)


def _entry(line: int, column: str | None, reason: str) -> str:
    return f"    line {line}" + (f", {column}" if column else "") + f": {reason}"


def _capped(entries: list[str], shown: int, what: str) -> list[str]:
    if len(entries) <= shown:
        return entries
    return [*entries[:shown], f"    ... and {len(entries) - shown} more {what} (--show N, or --json for all)"]
