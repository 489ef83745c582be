"""`debtflow smoke`: a one-line list through the real upload path (S3 -> SQS -> import_upload on
moto), the report checked, the smoke dossier withdrawn so nothing is ever sent."""

from __future__ import annotations

import json

import boto3
import pytest

from chalicelib import bootstrap
from chalicelib.cli import main
from chalicelib.cli.smoke import SMOKE_CLIENT, SmokeFailed, run_smoke_test
from chalicelib.domain.dossier import Status
from tests.conftest import NAMES
from tests.e2e.conftest import REGION, Pipeline


def test_the_smoke_test_imports_one_line_checks_the_report_and_withdraws_its_dossier(
    pipeline: Pipeline,
) -> None:
    # While the command waits, the stage's import function takes the upload from its queue.
    lines = run_smoke_test(SMOKE_CLIENT, 60, sleep=lambda _: pipeline.import_uploads())

    assert lines[0] == f"created the smoke-test client {SMOKE_CLIENT}"
    assert lines[-1] == "smoke test passed"
    dossiers = bootstrap.dossier_repository().list_for_client(SMOKE_CLIENT)
    assert [(d.status, d.open_cents, d.next_action_at) for d in dossiers] == [(Status.WITHDRAWN, 100, None)]
    assert not dossiers[0].debtor.email and not dossiers[0].debtor.phone_e164
    # A second run reuses the smoke client.
    again = run_smoke_test(SMOKE_CLIENT, 60, sleep=lambda _: pipeline.import_uploads())
    assert "created" not in again[0] and again[-1] == "smoke test passed"


def test_a_report_that_rejects_the_row_fails_the_smoke_test_with_what_it_said(pipeline: Pipeline) -> None:
    def import_with_the_row_rejected(_: float) -> None:
        s3 = boto3.client("s3", region_name=REGION)
        for item in s3.list_objects_v2(Bucket=NAMES.bucket, Prefix=f"incoming/{SMOKE_CLIENT}/").get(
            "Contents", []
        ):
            name = item["Key"].rsplit("/", 1)[1]
            report = {
                "status": "imported",
                "accepted": 0,
                "rejected_count": 1,
                "dossiers_opened": 0,
                "error": None,
            }
            s3.put_object(
                Bucket=NAMES.bucket,
                Key=f"reports/{SMOKE_CLIENT}/{name}.result.json",
                Body=json.dumps(report).encode(),
            )

    with pytest.raises(SmokeFailed, match="accepted is 0, expected 1; rejected_count is 1, expected 0"):
        run_smoke_test(SMOKE_CLIENT, 60, sleep=import_with_the_row_rejected)


def test_no_report_in_time_fails_with_where_to_look(
    pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["smoke", "--wait", "0"]) == 1

    out = capsys.readouterr().out
    assert out.startswith(
        f"debtflow smoke: FAILED: no report at s3://{NAMES.bucket}/reports/{SMOKE_CLIENT}/smoke-"
    )
    assert out.endswith("after 0 s: check the logs of import_upload and the uploads dead-letter queue\n")
