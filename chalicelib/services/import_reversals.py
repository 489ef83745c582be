"""Import a bank's reversed direct debits (storno) uploaded under storno/<client>/: each reversal opens
the member's dossier or adds the reversed amount to it (domain/reconciliation.reconcile_reversal).

The whole file is read before anything is saved: a file with anything unreadable imports nothing
and its report says why. The upload ledger and the report files are those of every import
(services/import_upload.py calls this for the storno/ prefix)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from chalicelib.domain.clients import Client
from chalicelib.domain.policies import Policy
from chalicelib.domain.reconciliation import Outcome, Reconciled, reconcile_reversal
from chalicelib.domain.reversals import ReversedDebit, return_reason
from chalicelib.importing.errors import UnreadableList
from chalicelib.importing.reversals import MAX_BYTES, read_reversals
from chalicelib.services.unit_of_work import DossierUnitOfWork

if TYPE_CHECKING:
    from chalicelib.services.import_upload import ImportDeps, ImportResult


def import_reversals(
    client: Client, key: str, today: date, now: datetime, policy: Policy, deps: ImportDeps
) -> ImportResult:
    from chalicelib.services.import_upload import ImportResult

    stream = deps.files.open(key)
    try:
        data = stream.read(MAX_BYTES + 1)
    finally:
        stream.close()
    try:
        reversals = read_reversals(data, PurePosixPath(key).name)
    except UnreadableList as error:
        return ImportResult(client.client_id, key, status="rejected_file", error=error.reason)
    result = ImportResult(client.client_id, key, rows=len(reversals), reversed_debits=[])
    uow = DossierUnitOfWork(deps.dossiers)
    for reversal in reversals:
        reason = return_reason(reversal.reason_code)
        entry = _entry(reversal)
        if not reason.chase:
            # e.g. MD07, the account holder died: no message to the member; the club decides.
            entry["outcome"] = "not_chased"
            entry["why"] = f"the bank says {reason.en}; we send the member nothing, the club decides"
            assert result.reversed_debits is not None
            result.reversed_debits.append(entry)
            continue

        def apply(reversal: ReversedDebit = reversal) -> Reconciled:
            reconciled = reconcile_reversal(
                client.client_id,
                deps.dossiers.get(client.client_id, reversal.debtor_id),
                reversal,
                debtor_type=client.default_debtor_type,
                today=today,
                now=now,
                policy=policy,
            )
            if reconciled.changed and reconciled.dossier is not None:
                deps.dossiers.save(reconciled.dossier)
            return reconciled

        reconciled = uow.retry(apply)
        result.accepted += 1
        result.total_open_cents += reversal.amount_cents
        entry["outcome"] = reconciled.outcome.value
        if reconciled.outcome is Outcome.OPENED:
            result.opened.append(reversal.debtor_id)
        elif reconciled.outcome is Outcome.UPDATED:
            result.updated.append(reversal.debtor_id)
        else:
            result.unchanged += 1
        assert result.reversed_debits is not None
        result.reversed_debits.append(entry)
    return result


def _entry(reversal: ReversedDebit) -> dict[str, Any]:
    reason = return_reason(reversal.reason_code)
    return {
        "member": reversal.debtor_id,
        "reference": reversal.reference,
        "amount_cents": reversal.amount_cents,
        "collected_on": reversal.collected_on.isoformat(),
        "reason_code": reversal.reason_code,
        "reason": reason.en if reason.known else f"unknown reason code {reversal.reason_code}",
    }
