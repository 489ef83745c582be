"""Proof of payment from the debtor's page: the presigned form S3 checks, the file check after
the upload lands, and what the debtor and the client then see."""

from __future__ import annotations

import base64
import json
import re
from html import unescape
from typing import Any
from urllib.parse import urlparse

import boto3
import requests

from infra.local.demo_data import DEMO_CLIENT
from tests.conftest import NAMES
from tests.e2e.conftest import REGION, Pipeline
from tests.e2e.test_debtor_page import CLIENT, Browser, opened, reminded, text

FORM = re.compile(
    r'<form method="post" action="([^"]+)" enctype="multipart/form-data" class="proof">(.*?)</form>', re.S
)
FIELD = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
# A Windows program (MZ header) renamed to look like a PDF.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def disputed_as_paid(pipeline: Pipeline) -> tuple[Browser, str]:
    reminded(pipeline)
    browser, html = opened(pipeline)
    answer = browser.post(
        f"/p/{CLIENT}/do/dispute",
        [("csrf", browser.csrf(html)), ("invoice", "2026-0388"), ("reason", "already_paid")],
    )
    assert answer.status_code == 303
    return browser, text(browser.get(f"/p/{CLIENT}"))


def proof_forms(html: str) -> list[tuple[str, dict[str, str]]]:
    return [(unescape(a), {k: unescape(v) for k, v in FIELD.findall(body)}) for a, body in FORM.findall(html)]


def policy(fields: dict[str, str]) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(base64.b64decode(fields["policy"]))
    return decoded


def upload(action: str, fields: dict[str, str], name: str, body: bytes) -> requests.Response:
    """What the browser does with the plain form: a multipart POST to the bucket, file last."""
    return requests.post(
        action,
        data=fields,
        files={"file": (name, body, fields["Content-Type"])},
        allow_redirects=False,
        timeout=5,
    )


def test_the_page_offers_a_form_per_accepted_type_signed_for_10_mb_and_that_type_only(
    pipeline: Pipeline,
) -> None:
    browser, html = disputed_as_paid(pipeline)
    assert "Stuur een bewijs dat u betaalde" in html and "2026-0388" in html and "10 MB" in html
    forms = proof_forms(html)
    assert [f["Content-Type"] for _, f in forms] == ["application/pdf", "image/jpeg", "image/png"]
    for action, fields in forms:
        assert NAMES.bucket in action
        conditions = policy(fields)["conditions"]
        assert ["content-length-range", 1, 10 * 1024 * 1024] in conditions
        assert {"Content-Type": fields["Content-Type"]} in conditions
        assert {"key": fields["key"]} in conditions
        assert fields["key"].startswith(f"proofs/{CLIENT}/10003/dispute-1/")
        assert fields["success_action_redirect"].endswith(f"/p/{CLIENT}?done=proof_sent")
    # Forms may post to this site, Mollie's checkout and this bucket, nowhere else.
    page = browser.get(f"/p/{CLIENT}")
    csp = page.headers["Content-Security-Policy"]
    targets = csp.split("form-action ")[1].split(";")[0].split()
    assert targets[0] == "'self'" and len(targets) == 3
    assert any(NAMES.bucket in t or forms[0][0].startswith(t) for t in targets)


def test_a_real_pdf_is_attached_to_the_dispute_and_shown_to_debtor_and_client(pipeline: Pipeline) -> None:
    browser, html = disputed_as_paid(pipeline)
    action, fields = proof_forms(html)[0]
    answer = upload(action, fields, "afschrift.pdf", PDF)
    assert answer.status_code == 303
    location = urlparse(answer.headers["Location"])
    assert "key=" in location.query
    back = browser.get(f"{location.path}?{location.query}")
    assert back.status_code == 303 and back.headers["Location"] == f"/p/{CLIENT}?done=proof_sent"
    pipeline.import_uploads()
    dossier = pipeline.dossier("10003")
    [dispute] = dossier.disputes
    [proof] = dispute.proofs
    assert (proof.key, proof.content_type, proof.size_bytes) == (fields["key"], "application/pdf", len(PDF))
    page = text(browser.get(f"/p/{CLIENT}?done=proof_sent"))
    assert "Wij kijken eerst of uw bestand in orde is" in page
    assert "Wij hebben 1 bewijs ontvangen" in page
    seen = pipeline.chalice.http.get(
        f"/clients/{DEMO_CLIENT.client_id}/dossiers/10003", headers=pipeline.owner
    )
    detail = json.loads(seen.body)
    assert detail["disputes"][0]["proofs"][0]["content_type"] == "application/pdf"
    assert "dispute_proof_received" in [e["what"] for e in detail["timeline"]]
    # The same notice again (SQS delivers at least once) attaches nothing twice.
    from app import dispute_proof

    dispute_proof(fields["key"])
    assert len(pipeline.dossier("10003").disputes[0].proofs) == 1


def test_a_program_renamed_to_pdf_is_deleted_and_recorded_as_refused(pipeline: Pipeline) -> None:
    browser, html = disputed_as_paid(pipeline)
    action, fields = proof_forms(html)[0]
    assert upload(action, fields, "betaling.pdf", EXE).status_code == 303
    pipeline.import_uploads()
    dispute = pipeline.dossier("10003").disputes[0]
    assert dispute.proofs == () and dispute.refused_proofs == (fields["key"],)
    s3 = boto3.client("s3", region_name=REGION)
    versions = s3.list_object_versions(Bucket=NAMES.bucket, Prefix=fields["key"])
    assert not versions.get("Versions") and not versions.get("DeleteMarkers")
    page = text(browser.get(f"/p/{CLIENT}"))
    assert "Wij hebben 1 bestand niet aangenomen" in page
    detail = json.loads(
        pipeline.chalice.http.get(f"/clients/{CLIENT}/dossiers/10003", headers=pipeline.owner).body
    )
    assert detail["disputes"][0]["proofs"] == [] and detail["disputes"][0]["proofs_refused"] == 1
    refused = [e for e in detail["timeline"] if e["what"] == "dispute_proof_refused"]
    assert refused and "not a PDF, JPEG or PNG" in refused[0]["reason"]


def test_without_an_already_paid_dispute_the_page_has_no_upload_form_and_forms_stay_on_the_site(
    pipeline: Pipeline,
) -> None:
    reminded(pipeline)
    browser, html = opened(pipeline)
    assert proof_forms(html) == []
    csp = browser.get(f"/p/{CLIENT}").headers["Content-Security-Policy"]
    assert "form-action 'self' " in csp and NAMES.bucket not in csp
