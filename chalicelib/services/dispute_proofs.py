"""Proof of payment for an "already paid" dispute: the page's upload forms, and the check of each
uploaded file before anyone opens it.

The debtor's browser posts the file straight to the bucket under the dossier's own prefix
(`domain/proofs.py`: `proofs/<client>/<debtor>/<dispute>/<file id>`), with a form S3 checks
(exact key and type, at most the size allowed). S3 then notifies the uploads queue like any
upload, and `check_uploaded_proof` reads the file's first bytes: a real PDF, JPEG or PNG is
attached to the dispute for the client; anything else is deleted with every version and recorded
as refused. Redelivered notices change nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from chalicelib.domain.dossier import DisputeProof, Dossier
from chalicelib.domain.errors import DossierNotFound, InvalidRequest, TransitionNotAllowed
from chalicelib.domain.proofs import ProofKey, ProofRules, check_proof, proof_rules
from chalicelib.services.ports import ProofUploads, UploadForm
from chalicelib.services.unit_of_work import DossierUnitOfWork

ACTOR = "proof-check"


@dataclass(frozen=True)
class ProofForm:
    """One upload form of the page: for one dispute, one accepted file type."""

    dispute_id: str
    label: str
    accept: str
    upload: UploadForm


def proof_forms(
    dossier: Dossier,
    uploads: ProofUploads,
    redirect_url: str,
    *,
    rules: ProofRules | None = None,
    new_file_id: Callable[[], str] = lambda: uuid.uuid4().hex,
) -> tuple[ProofForm, ...]:
    """The forms the page shows for the dossier's open "already paid" disputes. S3 can pin one
    Content-Type per form (its policy has no "one of"), so each accepted type has its own form."""
    rules = rules or proof_rules()
    forms = []
    for dispute in dossier.disputes:
        if not dispute.takes_proof:
            continue
        for kind in rules.types:
            key = ProofKey(dossier.client_id, dossier.debtor_id, dispute.dispute_id, new_file_id())
            upload = uploads.form(
                str(key), kind.content_type, rules.max_bytes, redirect_url, rules.form_valid_seconds
            )
            forms.append(ProofForm(dispute.dispute_id, kind.label, kind.accept, upload))
    return tuple(forms)


class ProofOutcome(StrEnum):
    ATTACHED = "attached"
    REFUSED = "refused"
    ALREADY_CHECKED = "already_checked"
    GONE = "gone"
    NOT_A_PROOF = "not_a_proof"


def check_uploaded_proof(
    key: str, now: datetime, uploads: ProofUploads, uow: DossierUnitOfWork, *, rules: ProofRules | None = None
) -> ProofOutcome:
    """Judge one uploaded file by its content and size, then attach it to its dispute or delete it."""
    rules = rules or proof_rules()
    where = ProofKey.parse(key)
    if where is None:
        # Not a key our forms hand out: nothing to attach it to.
        uploads.discard(key)
        return ProofOutcome.NOT_A_PROOF
    try:
        head, size = uploads.head(key, rules.longest_signature)
    except FileNotFoundError:
        # Refused and deleted on an earlier delivery of the same notice.
        return ProofOutcome.GONE
    verdict = check_proof(head, size, rules)
    try:
        if verdict.accepted and verdict.content_type is not None:
            proof = DisputeProof(key, verdict.content_type, size, now)
            attached = uow.change(
                where.client_id,
                where.debtor_id,
                lambda dossier: dossier.attach_dispute_proof(where.dispute_id, proof, actor=ACTOR),
            )
            return ProofOutcome.ATTACHED if attached else ProofOutcome.ALREADY_CHECKED
        why = verdict.refused.value if verdict.refused else "refused"
        uow.change(
            where.client_id,
            where.debtor_id,
            lambda dossier: dossier.refuse_dispute_proof(where.dispute_id, key, why, at=now, actor=ACTOR),
        )
    except (DossierNotFound, InvalidRequest, TransitionNotAllowed):
        # No dossier or dispute to hold it (or the file went to the agency): nobody may open it.
        uploads.discard(key)
        return ProofOutcome.NOT_A_PROOF
    # Recorded first, deleted second: a failed delete is retried with the next delivery.
    uploads.discard(key)
    return ProofOutcome.REFUSED
