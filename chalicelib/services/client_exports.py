"""A client's exports: its dossiers and its payments, as a semicolon CSV for Dutch Excel (UTF-8
with BOM, decimal comma) or as an .xlsx with real numbers and dates. Columns in the client's
language (chalicelib/data/export_columns.json); every text cell neutralised against formulas
(domain/exports.py).

Read page by page through the client's list (the `client_list` index, 100 lines a request), the
way the dashboard's list reads it: never a table scan. Payments come from the dossiers of each
page (one batch read a page) and their dates from the payment events of the dossiers that have any.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from chalicelib.domain.errors import UnknownClient
from chalicelib.domain.exports import Cell, Euros, csv_cell, neutralised
from chalicelib.domain.policies import AMSTERDAM
from chalicelib.services.ports import ClientDirectory, ClientViews, DossierRepository, ListFilters

LINES_PER_READ = 100
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EURO_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"


class Export(StrEnum):
    DOSSIERS = "dossiers"
    PAYMENTS = "payments"


class FileFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


@dataclass(frozen=True)
class ExportDeps:
    clients: ClientDirectory
    views: ClientViews
    dossiers: DossierRepository


@dataclass(frozen=True)
class ExportFile:
    body: bytes
    content_type: str
    filename: str


@cache
def _words(language: str) -> dict[str, Any]:
    texts: dict[str, Any] = json.loads(
        resources.files("chalicelib.data").joinpath("export_columns.json").read_text("utf-8")
    )
    chosen: dict[str, Any] = texts[language if language in ("nl", "en") else "nl"]
    return chosen


def _lines(client_id: str, views: ClientViews) -> Iterator[dict[str, Any]]:
    after: str | None = None
    while True:
        page = views.dossier_page(client_id, ListFilters(), after, LINES_PER_READ)
        yield from page.lines
        if page.next_page is None:
            return
        after = page.next_page


def dossier_rows(client_id: str, language: str, views: ClientViews) -> Iterator[list[Cell]]:
    words = _words(language)
    for line in _lines(client_id, views):
        yield [
            str(line["debtor_id"]),
            str(line["name"]),
            words["statuses"].get(line["status"], line["status"]),
            Euros(int(line["open_cents"])),
            Euros(int(line["owed_cents"])),
            date.fromisoformat(line["oldest_due"]) if line.get("oldest_due") else None,
            words["yes"] if line.get("disputed") else words["no"],
            words["yes"] if line.get("in_arrangement") else words["no"],
            words["channels"].get(line.get("channel") or "none", line.get("channel")),
        ]


def payment_rows(client_id: str, views: ClientViews, dossiers: DossierRepository) -> Iterator[list[Cell]]:
    page: list[str] = []
    for line in _lines(client_id, views):
        page.append(str(line["debtor_id"]))
        if len(page) == LINES_PER_READ:
            yield from _payments_of(client_id, page, dossiers)
            page = []
    if page:
        yield from _payments_of(client_id, page, dossiers)


def _payments_of(client_id: str, debtor_ids: list[str], dossiers: DossierRepository) -> Iterator[list[Cell]]:
    found = dossiers.get_many(client_id, debtor_ids)
    for debtor_id in debtor_ids:
        dossier = found.get(debtor_id)
        if dossier is None or not dossier.payments:
            continue
        paid_on = {
            str(e.details.get("payment_id")): e.at.astimezone(AMSTERDAM).date()
            for e in dossiers.events(client_id, debtor_id)
            if e.what == "payment_received"
        }
        for payment in dossier.payments.values():
            yield [
                dossier.debtor_id,
                dossier.debtor.name,
                payment.payment_id,
                paid_on.get(payment.payment_id),
                Euros(payment.amount_cents),
                Euros(payment.costs_cents),
                Euros(payment.interest_cents),
                Euros(payment.overpaid_cents),
                Euros(payment.reversed_cents),
                ", ".join(number for number, _ in payment.invoices),
            ]


def csv_file(headers: list[str], rows: Iterator[list[Cell]]) -> bytes:
    """Semicolon-separated, CRLF, UTF-8 with a BOM: Dutch Excel opens it with the columns and
    accents right and reads `1234,56` as a number."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralised(h) for h in headers])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_file(sheet_title: str, headers: list[str], rows: Iterator[list[Cell]]) -> bytes:
    """openpyxl in write-only mode (rows streamed into the file, not kept as cell objects). Text
    is written as text (`data_type = "s"`: openpyxl would otherwise store `=...` as a formula)
    and neutralised as in the CSV; amounts are numbers in euros, dates are dates."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title)

    def cell(value: Cell) -> Any:
        if value is None:
            return None
        if isinstance(value, Euros):
            written = WriteOnlyCell(sheet, value.euros)
            written.number_format = EURO_FORMAT
            return written
        if isinstance(value, date):
            # A date at midnight, shown as a date (openpyxl takes datetimes).
            written = WriteOnlyCell(sheet, datetime.combine(value, time()))
            written.number_format = DATE_FORMAT
            return written
        if isinstance(value, int):
            return value
        written = WriteOnlyCell(sheet, neutralised(value))
        written.data_type = "s"
        return written

    sheet.append([cell(h) for h in headers])
    for row in rows:
        sheet.append([cell(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_file(client_id: str, what: Export, file_format: FileFormat, deps: ExportDeps) -> ExportFile:
    client = deps.clients.get(client_id)
    if client is None:
        raise UnknownClient(client_id)
    words = _words(client.language)
    rows = (
        dossier_rows(client_id, client.language, deps.views)
        if what is Export.DOSSIERS
        else payment_rows(client_id, deps.views, deps.dossiers)
    )
    headers = list(words[what.value])
    filename = f"{client_id}-{what.value}.{file_format.value}"
    if file_format is FileFormat.CSV:
        return ExportFile(csv_file(headers, rows), CSV_TYPE, filename)
    return ExportFile(xlsx_file(words["sheet"][what.value], headers, rows), XLSX_TYPE, filename)
