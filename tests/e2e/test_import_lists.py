"""A club's lists as they really arrive, through the import handler with S3 -> SQS events."""

from __future__ import annotations

import json
from datetime import timedelta

import boto3
import pytest

from chalicelib import bootstrap
from chalicelib.domain.dossier import Status
from infra.local.demo_data import DEMO_CLIENT, DEMO_LIST
from tests.conftest import NAMES
from tests.e2e.conftest import DAY_0, Pipeline

REGION = "eu-west-1"
CLUB = DEMO_CLIENT.client_id


def report(name: str) -> dict[str, object]:
    body = boto3.client("s3", region_name=REGION).get_object(
        Bucket=NAMES.bucket, Key=f"reports/{CLUB}/{name}.result.json"
    )["Body"]
    loaded: dict[str, object] = json.loads(body.read())
    return loaded


def test_the_next_days_full_list_a_paid_list_and_a_held_list_with_its_confirmation(
    pipeline: Pipeline,
) -> None:
    pipeline.upload()
    first = pipeline.import_uploads()
    assert report("openstaande posten 30-11.csv")["dossiers_opened"] == 12

    # Day 1: Fatima paid the club directly (gone), Jan paid half, Daan got a new invoice.
    pipeline.now = DAY_0 + timedelta(days=1)
    day1 = (
        DEMO_LIST.replace("\n10002;Fatima", "\nXX;Fatima").replace(
            "2026-0412;01-10-2026;15-10-2026;€ 185,00;€ 185,00",
            "2026-0412;01-10-2026;15-10-2026;€ 185,00;€ 92,50",
        )
        + "10010;Daan Visser;Particulier;daan.visser@example.nl;;2026-0501;01-11-2026;15-11-2026;€ 50,00;€ 50,00\n"
    )
    day1 = "\n".join(line for line in day1.splitlines() if not line.startswith("XX;")) + "\n"
    pipeline.upload(f"incoming/{CLUB}/dag1.csv", day1)
    pipeline.import_uploads()
    summary = report("dag1.csv")
    assert (summary["status"], summary["updated"], summary["closed"], summary["debtors_unchanged"]) == (
        "imported",
        ["10001", "10010"],
        ["10002"],
        9,
    )
    assert pipeline.dossier("10001").open_cents == 9_250
    assert pipeline.dossier("10002").status is Status.SETTLED_BY_CLIENT

    # The same notification again (SQS redelivery): imported once.
    pipeline.deliver("import_upload", NAMES.uploads_queue, first)
    assert pipeline.dossier("10002").status is Status.SETTLED_BY_CLIENT

    # A "paid items" list under paid/: Café De Hoek paid at the bar.
    paid = "Relatiecode;Naam;Factuurnummer;Vervaldatum;Openstaand\n10012;Café De Hoek;2026-0366;24-09-2026;642,35\n"
    pipeline.upload(f"paid/{CLUB}/betaald.csv", paid)
    pipeline.import_uploads()
    assert pipeline.dossier("10012").status is Status.SETTLED_BY_CLIENT

    # A list filtered by mistake: held; confirmed by an empty .bevestigd file.
    short = "\n".join(DEMO_LIST.splitlines()[:4]) + "\n"
    pipeline.upload(f"incoming/{CLUB}/kort.csv", short)
    pipeline.import_uploads()
    assert (report("kort.csv")["status"], report("kort.csv")["dossiers_closed"]) == (
        "held_for_confirmation",
        0,
    )
    pipeline.upload(f"incoming/{CLUB}/kort.csv.bevestigd", "")
    pipeline.import_uploads()
    confirmed = report("kort.csv")
    assert (confirmed["status"], confirmed["confirmed"], confirmed["dossiers_closed"]) == (
        "imported",
        True,
        9,
    )
    # Fatima's settled invoice is on the short list again: her dossier was reopened.
    active = bootstrap.dossier_repository().active_debtor_ids(CLUB)
    assert sorted(active) == ["10001", "10002"]


def test_a_large_list_is_split_into_shards_imported_by_the_chunk_handler(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMPORT_SHARD_ABOVE_ROWS", "3")  # the demo list counts as large here
    bootstrap.reset()
    # Read the settings now: inside an invocation Chalice's test client applies the stage's env.
    assert bootstrap.import_deps().shard_above_rows == 3
    sqs = boto3.client("sqs", region_name=REGION)

    pipeline.upload()
    uploads = pipeline.queued(pipeline.aws.uploads_queue_url)
    pipeline.deliver("import_upload", NAMES.uploads_queue, uploads)
    chunks = pipeline.queued(pipeline.aws.import_chunks_queue_url)
    assert sorted(json.loads(body)["shard"] for body in chunks) == list(range(16))
    pipeline.deliver("import_chunk", NAMES.import_chunks_queue, chunks[:-1])
    s3 = boto3.client("s3", region_name=REGION)
    name = "openstaande posten 30-11.csv"
    assert "Contents" not in s3.list_objects_v2(Bucket=NAMES.bucket, Prefix=f"reports/{CLUB}/{name}")
    pipeline.deliver("import_chunk", NAMES.import_chunks_queue, chunks[-1:] + chunks[:2])  # + redeliveries

    summary = report(name)
    assert (summary["status"], summary["dossiers_opened"], summary["rejected_count"]) == ("imported", 12, 0)
    assert len(bootstrap.dossier_repository().active_debtor_ids(CLUB)) == 12
    # The upload message again: imported once, nothing queued.
    pipeline.deliver("import_upload", NAMES.uploads_queue, uploads)
    assert sqs.receive_message(QueueUrl=pipeline.aws.import_chunks_queue_url).get("Messages", []) == []

    # The next day's list without Fatima: closed by her shard's chunk.
    pipeline.now = DAY_0 + timedelta(days=1)
    day1 = "\n".join(line for line in DEMO_LIST.splitlines() if not line.startswith("10002;")) + "\n"
    pipeline.upload(f"incoming/{CLUB}/dag1.csv", day1)
    pipeline.import_uploads()
    summary = report("dag1.csv")
    assert (summary["closed"], summary["debtors_unchanged"]) == (["10002"], 11)
    assert pipeline.dossier("10002").status is Status.SETTLED_BY_CLIENT


def test_a_corrected_list_under_the_same_name_leaves_no_old_errors_csv_in_s3(pipeline: Pipeline) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    key = f"incoming/{CLUB}/leden.csv"
    errors = f"reports/{CLUB}/leden.csv.errors.csv"
    pipeline.upload(key, DEMO_LIST.replace("€ 185,00;€ 185,00\n10002", "€ 185,00;veel\n10002"))
    pipeline.import_uploads()
    assert "veel" in s3.get_object(Bucket=NAMES.bucket, Key=errors)["Body"].read().decode("utf-8-sig")

    pipeline.upload(key, DEMO_LIST)  # the corrected list: a new object (ETag) under the same key
    pipeline.import_uploads()

    assert report("leden.csv")["rejected_count"] == 0
    assert "Contents" not in s3.list_objects_v2(Bucket=NAMES.bucket, Prefix=errors)
    summary = s3.get_object(Bucket=NAMES.bucket, Key=f"reports/{CLUB}/leden.csv.summary.txt")["Body"].read()
    assert summary.decode().startswith("Importverslag van incoming/")
