"""A letter through the real handlers on moto: a debtor with only a postal address is written to,
the letter lands in the print partner's drop with its manifest, and the partner's posting report
uploaded to posted/<client>/ reaches the dossier through the bucket's notification."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import boto3

from chalicelib import bootstrap
from infra.local.demo_data import DEMO_CLIENT
from tests.conftest import NAMES
from tests.e2e.conftest import REGION, Pipeline

LIST = """Relatiecode;Naam;Soort;Adres;Postcode;Plaats;Factuurnummer;Factuurdatum;Vervaldatum;Openstaand
20001;Şükrü Yılmaz;Particulier;Ĳsselkade 12;7201 HA;Zutphen;2026-0501;01-10-2026;15-10-2026;€ 185,00
"""


def test_a_postal_only_debtor_gets_a_letter_the_partner_prints_and_reports_posted(pipeline: Pipeline) -> None:
    bootstrap.client_directory().save(replace(DEMO_CLIENT, print_partner=True))
    pipeline.upload(f"incoming/{DEMO_CLIENT.client_id}/adressen.csv", LIST)
    pipeline.import_uploads()
    pipeline.sweep_and_act(pipeline.now)

    s3 = boto3.client("s3", region_name=REGION)
    day = pipeline.now.date().isoformat()
    prefix = f"print/{day}/{DEMO_CLIENT.client_id}/20001-1"
    manifest = json.loads(s3.get_object(Bucket=NAMES.bucket, Key=f"{prefix}.manifest.json")["Body"].read())
    assert manifest["letter_id"] == f"{DEMO_CLIENT.client_id}/20001/1"
    assert manifest["template"] == "reminder_letter"
    assert manifest["recipient"] == ["Şükrü Yılmaz", "Ĳsselkade 12", "7201 HA Zutphen"]
    assert manifest["report_posting_to"] == f"posted/{DEMO_CLIENT.client_id}/"
    assert s3.get_object(Bucket=NAMES.bucket, Key=f"{prefix}.pdf")["Body"].read().startswith(b"%PDF")
    assert pipeline.dossier("20001").messages[0].posted_on is None

    report = {"postings": [{"letter_id": manifest["letter_id"], "posted_on": day}]}
    pipeline.now = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    pipeline.upload(f"posted/{DEMO_CLIENT.client_id}/postnl-{day}.json", json.dumps(report))
    pipeline.import_uploads()

    assert [m.posted_on and m.posted_on.isoformat() for m in pipeline.dossier("20001").messages] == [day]
    result = s3.get_object(
        Bucket=NAMES.bucket, Key=f"reports/{DEMO_CLIENT.client_id}/posted/postnl-{day}.json.result.json"
    )
    assert json.loads(result["Body"].read()) == {"recorded": 1, "repeated": 0, "refused": []}
