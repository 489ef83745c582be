"""Proof of payment: a file is judged by its first bytes and size, and only an "already paid"
dispute holds it. Domain and use case with fakes; the S3 side is in tests/e2e."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.domain.dossier import DisputeProof, DisputeReason, Dossier, Schedule
from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.proofs import ProofKey, Refusal, check_proof, proof_rules
from chalicelib.services.dispute_proofs import ProofOutcome, check_uploaded_proof, proof_forms
from chalicelib.services.ports import UploadForm
from chalicelib.services.unit_of_work import DossierUnitOfWork
from tests.builders import dossier, invoice
from tests.fakes import FakeDossierRepository

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
RULES = proof_rules()


def disputed(reason: DisputeReason = DisputeReason.ALREADY_PAID) -> Dossier:
    file = dossier(invoice("2026-0101"), invoice("2026-0102"))
    file.file_dispute(
        ["2026-0101"],
        reason,
        lambda d: Schedule(None),
        at=NOW,
        actor="debtor",
        decide_by=NOW,
        copy_term_ends=NOW,
    )
    return file


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"%PDF-1.4\n", "application/pdf"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
    ],
)
def test_pdf_jpeg_and_png_are_known_by_their_first_bytes(head: bytes, expected: str) -> None:
    assert check_proof(head, 1000, RULES).content_type == expected


@pytest.mark.parametrize(
    ("head", "size", "refusal"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00", 4096, Refusal.WRONG_TYPE),  # a program named betaling.pdf
        (b"GIF89a\x01\x00", 4096, Refusal.WRONG_TYPE),
        (b"<html><script>", 4096, Refusal.WRONG_TYPE),
        (b"", 0, Refusal.EMPTY),
        (b"%PDF-1.4\n", 10 * 1024 * 1024 + 1, Refusal.TOO_LARGE),
    ],
)
def test_anything_else_is_refused_with_the_reason(head: bytes, size: int, refusal: Refusal) -> None:
    verdict = check_proof(head, size, RULES)
    assert not verdict.accepted and verdict.refused is refusal


def test_exactly_10_mb_is_still_accepted() -> None:
    assert check_proof(b"%PDF-", 10 * 1024 * 1024, RULES).accepted


def test_a_proof_key_keeps_a_slash_in_the_debtor_number_inside_its_own_prefix() -> None:
    key = ProofKey("club", "10/3", "dispute-1", "abc")
    assert str(key) == "proofs/club/10%2F3/dispute-1/abc"
    assert ProofKey.parse(str(key)) == key
    assert ProofKey.parse("proofs/club/10/3/dispute-1/abc") is None
    assert ProofKey.parse("incoming/club/x/y/z") is None


def test_only_an_already_paid_dispute_takes_a_proof_and_each_file_counts_once() -> None:
    file = disputed()
    proof = DisputeProof("proofs/k", "application/pdf", 10, NOW)
    assert file.attach_dispute_proof("dispute-1", proof, actor="proof-check")
    assert not file.attach_dispute_proof("dispute-1", proof, actor="proof-check")
    assert not file.refuse_dispute_proof("dispute-1", "proofs/k", "x", at=NOW, actor="proof-check")
    assert file.disputes[0].proofs == (proof,)
    assert [e.what for e in file.new_events][-1] == "dispute_proof_received"
    other = disputed(DisputeReason.AMOUNT_WRONG)
    with pytest.raises(InvalidRequest):
        other.attach_dispute_proof("dispute-1", proof, actor="proof-check")


class FakeUploads:
    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.signed: list[tuple[str, str, int]] = []

    def form(
        self, key: str, content_type: str, max_bytes: int, redirect_url: str, valid_seconds: int
    ) -> UploadForm:
        self.signed.append((key, content_type, max_bytes))
        return UploadForm("https://bucket.example/", (("key", key), ("Content-Type", content_type)))

    def head(self, key: str, size: int) -> tuple[bytes, int]:
        if key not in self.files:
            raise FileNotFoundError(key)
        return self.files[key][:size], len(self.files[key])

    def discard(self, key: str) -> None:
        self.files.pop(key, None)


def test_the_page_gets_one_form_per_type_for_each_open_already_paid_dispute() -> None:
    uploads = FakeUploads({})
    forms = proof_forms(
        disputed(), uploads, "https://pay.example/p/club?done=proof_sent", new_file_id=lambda: "f1"
    )
    assert [f.label for f in forms] == ["PDF", "JPG", "PNG"]
    assert {s[0] for s in uploads.signed} == {f"proofs/{disputed().client_id}/10023/dispute-1/f1"}
    assert {s[2] for s in uploads.signed} == {10 * 1024 * 1024}
    assert proof_forms(disputed(DisputeReason.AMOUNT_WRONG), uploads, "x") == ()


def test_a_good_file_is_attached_a_bad_one_deleted_and_a_redelivery_changes_nothing() -> None:
    repository = FakeDossierRepository()
    file = disputed()
    repository.save(file)
    good = str(ProofKey(file.client_id, file.debtor_id, "dispute-1", "good"))
    bad = str(ProofKey(file.client_id, file.debtor_id, "dispute-1", "bad"))
    uploads = FakeUploads({good: b"\x89PNG\r\n\x1a\n....", bad: b"MZ\x90\x00...."})
    uow = DossierUnitOfWork(repository)
    assert check_uploaded_proof(good, NOW, uploads, uow) is ProofOutcome.ATTACHED
    assert check_uploaded_proof(good, NOW, uploads, uow) is ProofOutcome.ALREADY_CHECKED
    assert check_uploaded_proof(bad, NOW, uploads, uow) is ProofOutcome.REFUSED
    assert bad not in uploads.files and good in uploads.files
    assert check_uploaded_proof(bad, NOW, uploads, uow) is ProofOutcome.GONE
    stored = repository.get(file.client_id, file.debtor_id)
    assert stored is not None
    [dispute] = stored.disputes
    assert [p.content_type for p in dispute.proofs] == ["image/png"] and dispute.refused_proofs == (bad,)


def test_a_file_for_an_unknown_dispute_is_deleted_unread() -> None:
    repository = FakeDossierRepository()
    file = disputed()
    repository.save(file)
    stray = str(ProofKey(file.client_id, file.debtor_id, "dispute-9", "x"))
    uploads = FakeUploads({stray: b"%PDF-1.4"})
    assert (
        check_uploaded_proof(stray, NOW, uploads, DossierUnitOfWork(repository)) is ProofOutcome.NOT_A_PROOF
    )
    assert uploads.files == {}
