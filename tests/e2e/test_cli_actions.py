"""`debtflow handover` and `debtflow arrangement` against the stage's AWS (moto here)."""

from __future__ import annotations

from datetime import timedelta

import boto3
import pytest

from chalicelib.cli import main
from chalicelib.domain.dossier import Status
from infra.local.demo_data import DEMO_CLIENT
from tests.conftest import NAMES
from tests.e2e.conftest import DAY_0, REGION, Pipeline

CLIENT = DEMO_CLIENT.client_id


def test_the_client_approves_a_handover_from_the_command_line(
    pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    for day in (0, 7, 15):
        pipeline.sweep_and_act(DAY_0 + timedelta(days=day))
    assert pipeline.dossier("10003").status is Status.AWAITING_HANDOVER_DECISION
    capsys.readouterr()

    assert main(["handover", CLIENT, "10003", "--approve"]) == 0

    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"dossier {CLIENT}/10003: handed_over"
    assert pipeline.dossier("10003").status is Status.HANDED_OVER
    export_key = out.split("file for the agency: ", 1)[1].split(" and ", 1)[0]
    export = boto3.client("s3", region_name=REGION).get_object(Bucket=NAMES.bucket, Key=export_key)
    assert b"Bakkerij Smit B.V." in export["Body"].read()


def test_a_decision_on_a_dossier_that_is_not_waiting_for_one_is_refused_with_a_reason(
    pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline.upload()
    pipeline.import_uploads()

    assert main(["handover", CLIENT, "10003", "--approve"]) == 1

    assert "cannot" in capsys.readouterr().err
    assert pipeline.dossier("10003").status is Status.OPEN


def test_an_arrangement_from_the_command_line_splits_the_amount_in_installments(
    pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    pipeline.sweep_and_act(DAY_0)
    capsys.readouterr()

    exit_code = main(["arrangement", CLIENT, "10003", "--installments", "3"])

    out = capsys.readouterr().out
    assert exit_code == 0, out
    smit = pipeline.dossier("10003")
    assert smit.status is Status.IN_ARRANGEMENT
    assert smit.arrangement is not None
    amounts = [i.amount_cents for i in smit.arrangement.installments]
    # EUR 1,670.50 in two late invoices plus the BIK scale's 250.58, a business's default costs,
    # plus the commercial interest charged with the day-0 notice (BW 6:119a, on by default).
    assert smit.open_costs_cents == 25_058 and smit.open_interest_cents > 0
    assert (len(amounts), sum(amounts)) == (3, 167_050 + 25_058 + smit.open_interest_cents)
    assert [line.split()[-1] for line in out.splitlines()] == [f"{a // 100},{a % 100:02d}" for a in amounts]


def test_a_large_plan_needs_the_clients_approval_and_says_so_in_euros(
    pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline.upload()
    pipeline.import_uploads()

    assert main(["arrangement", CLIENT, "10006", "--installments", "3"]) == 1
    assert "more than € 2.500,00" in capsys.readouterr().err
    assert pipeline.dossier("10006").status is Status.OPEN

    assert main(["arrangement", CLIENT, "10006", "--installments", "3", "--approved"]) == 0
    assert pipeline.dossier("10006").status is Status.IN_ARRANGEMENT
