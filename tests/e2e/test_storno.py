"""A bank's reversed direct debits dropped under storno/<client>/ travel the same way as a list (S3
notification inside an SQS message, the import handler) and the member's next message explains the
reversal in plain words."""

from __future__ import annotations

import json
from pathlib import Path

import boto3

from chalicelib import bootstrap
from infra.local.demo_data import DEMO_CLIENT
from tests.conftest import NAMES
from tests.e2e.conftest import DAY_0, REGION, Pipeline, sent_emails

FIXTURES = Path(__file__).parents[1] / "fixtures" / "storno"
STORNO = (
    "Lidnummer;Naam;E-mail;Bedrag;Redencode;Incassodatum;Kenmerk\n"
    "10020;Noor de Graaf;noor.degraaf@example.nl;15,00;AM04;02-11-2026;CONTR-2026-11-10020\n"
)


def report(name: str) -> dict[str, object]:
    body = (
        boto3.client("s3", region_name=REGION)
        .get_object(Bucket=NAMES.bucket, Key=f"reports/{DEMO_CLIENT.client_id}/{name}.result.json")["Body"]
        .read()
    )
    result: dict[str, object] = json.loads(body)
    return result


def test_a_reversed_debit_uploaded_under_storno_is_chased_with_its_reason(pipeline: Pipeline) -> None:
    pipeline.upload(f"storno/{DEMO_CLIENT.client_id}/storno november.csv", STORNO)
    pipeline.import_uploads()

    assert report("storno november.csv")["opened"] == ["10020"]
    noor = pipeline.dossier("10020")
    assert noor.invoices["CONTR-2026-11-10020"].reversal_code == "AM04"

    pipeline.sweep_and_act(DAY_0)
    (email,) = [m for m in sent_emails() if m.destinations["ToAddresses"] == ["noor.degraaf@example.nl"]]
    assert (
        "Uw bank heeft de automatische incasso van € 15,00 van 2 november 2026 (CONTR-2026-11-10020) "
        "teruggeboekt, omdat er niet genoeg geld op de rekening stond (redencode AM04)."
    ) in email.body
    assert "contributie" in email.body


def test_a_malformed_reject_file_is_reported_and_imports_nothing(pipeline: Pipeline) -> None:
    broken = (FIXTURES / "pain002_rejects.xml").read_text().replace("<MndtId>L1002</MndtId>", "")
    pipeline.upload(f"storno/{DEMO_CLIENT.client_id}/pain002.xml", broken)
    pipeline.import_uploads()

    result = report("pain002.xml")
    assert result["status"] == "rejected_file"
    assert "transaction 2 has no mandate reference" in str(result["error"])
    assert bootstrap.dossier_repository().list_for_client(DEMO_CLIENT.client_id) == []
