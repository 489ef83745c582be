"""Import a client's debtor list: open a dossier per new debtor, update known ones, and close what
the client was paid directly. The daily list is a snapshot of everything still open."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.debtor_list import InvoiceLine, RejectedRow
from chalicelib.domain.dossier import AuditEvent, Dossier, Invoice
from chalicelib.domain.errors import ConcurrentChange
from chalicelib.domain.policies import Policy, default_policy
from chalicelib.importing import ImportSettings, UnreadableList, read_debtor_list
from chalicelib.services.ports import ClientDirectory, DossierRepository, FileStore, UploadLedger
from chalicelib.services.retry import on_conflict_retry

ACTOR = "import"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
INCOMING = "incoming"
PAID_ITEMS = "paid"
# A full list with less than this share of the invoices open before looks like a mistake
# (an export with a filter left on): nothing is closed until the client confirms.
PARTIAL_LIST_SHARE = 0.5
PARTIAL_LIST_MIN_OPEN = 10


@dataclass(frozen=True)
class ImportUpload:
    bucket: str
    key: str
    etag: str


@dataclass
class ImportResult:
    client_id: str | None
    key: str
    status: str = "imported"  # imported | duplicate | held_for_confirmation | rejected_file
    error: str | None = None
    rows: int = 0
    accepted: int = 0
    total_open_cents: int = 0
    opened: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    invoices_settled: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "file": self.key,
            "status": self.status,
            "error": self.error,
            "rows": self.rows,
            "accepted": self.accepted,
            "rejected_count": len(self.rejected),
            "total_open_cents": self.total_open_cents,
            "dossiers_opened": len(self.opened),
            "dossiers_updated": len(self.updated),
            "dossiers_closed": len(self.closed),
            "invoices_settled_by_client": self.invoices_settled,
            "opened": self.opened,
            "updated": self.updated,
            "closed": self.closed,
            "rejected": [{"line": r.line, "column": r.column, "reason": r.reason} for r in self.rejected],
        }


@dataclass(frozen=True)
class ImportDeps:
    clients: ClientDirectory
    dossiers: DossierRepository
    ledger: UploadLedger
    files: FileStore
    policy: Policy | None = None


def client_of(key: str) -> tuple[str, str, str] | None:
    """`incoming/<client>/<file>` or `paid/<client>/<file>` -> (kind, client, file name)."""
    parts = PurePosixPath(key).parts
    if len(parts) < 3 or parts[0] not in (INCOMING, PAID_ITEMS) or not parts[1]:
        return None
    return parts[0], parts[1], "/".join(parts[2:])


def report_key(client_id: str, file_name: str, suffix: str) -> str:
    return f"reports/{client_id}/{file_name}.{suffix}"


def import_upload(cmd: ImportUpload, now: datetime, deps: ImportDeps) -> ImportResult:
    located = client_of(cmd.key)
    if located is None:
        return ImportResult(
            None, cmd.key, status="rejected_file", error="the file is not under incoming/<client id>/"
        )
    kind, client_id, file_name = located
    client = deps.clients.get(client_id)
    if client is None:
        result = ImportResult(
            client_id, cmd.key, status="rejected_file", error=f"unknown client {client_id!r}"
        )
        _write_reports(deps.files, client_id, file_name, result)
        return result
    if not deps.ledger.claim(client_id, cmd.key, cmd.etag, now):
        return ImportResult(client_id, cmd.key, status="duplicate")
    try:
        result = _import(
            kind,
            client_id,
            cmd.key,
            now,
            deps,
            ImportSettings(default_debtor_type=client.default_debtor_type),
        )
    except Exception:
        # Let the retry (SQS redelivery) import the file from scratch; nothing is half-claimed.
        deps.ledger.release(client_id, cmd.key, cmd.etag)
        raise
    _write_reports(deps.files, client_id, file_name, result)
    deps.ledger.complete(
        client_id, cmd.key, cmd.etag, result.to_dict() | {"opened": [], "updated": [], "closed": []}
    )
    return result


def _import(
    kind: str, client_id: str, key: str, now: datetime, deps: ImportDeps, settings: ImportSettings
) -> ImportResult:
    result = ImportResult(client_id, key)
    lines_by_debtor: dict[str, list[InvoiceLine]] = defaultdict(list)
    try:
        reader = read_debtor_list(deps.files.open(key), PurePosixPath(key).name, settings)
        for row in reader:
            if isinstance(row, RejectedRow):
                result.rejected.append(row)
                continue
            lines_by_debtor[row.debtor.debtor_id].append(row)
            result.accepted += 1
            if not row.paid:
                result.total_open_cents += row.open_cents
        result.rows = reader.rows_seen
    except UnreadableList as error:
        result.status, result.error = "rejected_file", error.reason
        return result

    policy = deps.policy or default_policy()
    today = now.astimezone(AMSTERDAM).date()
    existing = deps.dossiers.get_many(client_id, lines_by_debtor)
    paid_items = kind == PAID_ITEMS

    # The partial-list guard: compare with what is open now before closing anything.
    missing_debtors: list[str] = []
    hold = False
    if not paid_items:
        active = deps.dossiers.active_debtor_ids(client_id)
        missing_debtors = [d for d in active if d not in lines_by_debtor]
        open_before = len(active)
        if open_before >= PARTIAL_LIST_MIN_OPEN and len(lines_by_debtor) < open_before * PARTIAL_LIST_SHARE:
            hold, result.status = True, "held_for_confirmation"
            result.error = (
                f"this list names {len(lines_by_debtor)} debtors while {open_before} have open dossiers; "
                "nothing was closed. Upload the complete list, or confirm that the others were paid."
            )

    for debtor_id, lines in lines_by_debtor.items():
        dossier = existing.get(debtor_id)
        if dossier is None:
            if paid_items:
                continue
            dossier = _open_dossier(client_id, lines, today, now, policy)
            if dossier is None:
                continue
            result.opened.append(debtor_id)
            deps.dossiers.save(dossier)
            continue
        changed = _reconcile(dossier, lines, paid_items, hold, now, result)
        if changed:
            _save_with_retry(deps, dossier, lines, paid_items, hold, now, result)

    if not hold:
        for debtor_id in missing_debtors:
            _close_missing(deps, client_id, debtor_id, now, result)
    return result


def _open_dossier(
    client_id: str, lines: list[InvoiceLine], today: date, now: datetime, policy: Policy
) -> Dossier | None:
    open_lines = [line for line in lines if not line.paid]
    if sum(line.open_cents for line in open_lines) <= 0:
        return None
    dossier = Dossier(client_id=client_id, debtor=open_lines[-1].debtor, opened_on=today)
    dossier.record(
        _event(now, "dossier_opened", "a new debtor on the client's list", {"invoices": len(open_lines)})
    )
    for line in open_lines:
        dossier.take_invoice(_invoice(line), at=now, actor=ACTOR)
    first = policy.step_after(0)
    dossier.next_action_at = policy.due_at(today, first) if first else None
    return dossier


def _reconcile(
    dossier: Dossier,
    lines: list[InvoiceLine],
    paid_items: bool,
    hold: bool,
    now: datetime,
    result: ImportResult,
) -> bool:
    changed = False
    listed = set()
    for line in lines:
        listed.add(line.invoice_number)
        if paid_items or line.paid:
            changed |= dossier.settle_invoice_by_client(
                line.invoice_number, at=now, actor=ACTOR, reason="on the client's list of paid items"
            )
        else:
            changed |= dossier.take_invoice(_invoice(line), at=now, actor=ACTOR)
    if dossier.debtor != lines[-1].debtor and not paid_items:
        dossier.debtor = lines[-1].debtor
        changed = True
    if not paid_items and not hold:
        for number in [n for n, i in dossier.invoices.items() if i.is_open and n not in listed]:
            changed |= dossier.settle_invoice_by_client(
                number,
                at=now,
                actor=ACTOR,
                reason="no longer on the client's list: paid to the client directly",
            )
            result.invoices_settled += 1
    if changed:
        (result.closed if dossier.is_closed else result.updated).append(dossier.debtor_id)
    return changed


def _close_missing(
    deps: ImportDeps, client_id: str, debtor_id: str, now: datetime, result: ImportResult
) -> None:
    def close() -> None:
        dossier = deps.dossiers.get(client_id, debtor_id)
        if dossier is None or not dossier.is_active:
            return
        for number in [n for n, i in dossier.invoices.items() if i.is_open]:
            dossier.settle_invoice_by_client(
                number,
                at=now,
                actor=ACTOR,
                reason="no longer on the client's list: paid to the client directly",
            )
            result.invoices_settled += 1
        deps.dossiers.save(dossier)
        result.closed.append(debtor_id)

    on_conflict_retry(close)


def _save_with_retry(
    deps: ImportDeps,
    dossier: Dossier,
    lines: list[InvoiceLine],
    paid_items: bool,
    hold: bool,
    now: datetime,
    result: ImportResult,
) -> None:
    try:
        deps.dossiers.save(dossier)
        return
    except ConcurrentChange:
        pass

    def again() -> None:
        fresh = deps.dossiers.get(dossier.client_id, dossier.debtor_id)
        if fresh is not None and _reconcile(fresh, lines, paid_items, hold, now, ImportResult(None, "")):
            deps.dossiers.save(fresh)

    on_conflict_retry(again)


def _invoice(line: InvoiceLine) -> Invoice:
    return Invoice(
        number=line.invoice_number,
        due_date=line.due_date,
        amount_cents=line.amount_cents,
        open_cents=line.open_cents,
        invoice_date=line.invoice_date,
    )


def _event(now: datetime, what: str, reason: str, details: dict[str, Any]) -> AuditEvent:
    return AuditEvent(at=now, what=what, actor=ACTOR, reason=reason, details=details)


def _write_reports(files: FileStore, client_id: str, file_name: str, result: ImportResult) -> None:
    files.put(
        report_key(client_id, file_name, "result.json"),
        json.dumps(result.to_dict(), indent=2, ensure_ascii=False).encode("utf-8"),
        "application/json",
    )
    if result.rejected:
        files.put(
            report_key(client_id, file_name, "errors.csv"),
            rejected_rows_csv(result.rejected),
            "text/csv; charset=utf-8",
        )


def rejected_rows_csv(rejected: list[RejectedRow]) -> bytes:
    """Semicolon CSV with a BOM: Dutch Excel opens it with the right columns and accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["regel", "kolom", "reden"])
    for row in rejected:
        writer.writerow([row.line, _cell(row.column or ""), _cell(row.reason)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell(value: str) -> str:
    # CSV injection: a cell starting with = + - @ TAB CR LF would run as a formula in Excel.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r", "\n") else value
