"""`debtflow handover`, `arrangement`, `dispute`, `resolve-dispute`, `pause`, `resume` and `withdraw`
against the stage's AWS (moto here)."""

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
    # The bakery is a business: the final demand on day 15, the question once its term has ended.
    for day in (0, 7, 15, 30):
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


def test_a_dispute_from_the_command_line_takes_the_invoice_out_of_what_is_chased(
    pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    pipeline.sweep_and_act(DAY_0)
    capsys.readouterr()

    exit_code = main(
        [
            "dispute",
            CLIENT,
            "10003",
            "--invoices",
            "2026-0431",
            "--reason",
            "amount_wrong",
            "--note",
            "te hoog",
        ]
    )

    assert (exit_code, capsys.readouterr().out) == (0, "dispute-1 about 2026-0431: with_client\n")
    smit = pipeline.dossier("10003")
    assert [i.number for i in smit.chased_invoices] == ["2026-0388"]


@pytest.mark.parametrize(("flag", "printed"), [("--uphold", "upheld"), ("--credit", "credited")])
def test_the_clients_decision_on_a_dispute_from_the_command_line(
    pipeline: Pipeline, capsys: pytest.CaptureFixture[str], flag: str, printed: str
) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    assert main(["dispute", CLIENT, "10003", "--invoices", "2026-0431", "--reason", "other"]) == 0
    capsys.readouterr()

    exit_code = main(["resolve-dispute", CLIENT, "10003", "--invoices", "2026-0431", flag])

    assert (exit_code, capsys.readouterr().out) == (0, f"{printed}: 2026-0431\n")
    chased = [i.number for i in pipeline.dossier("10003").chased_invoices]
    assert chased == (["2026-0388", "2026-0431"] if flag == "--uphold" else ["2026-0388"])


def test_a_decision_without_a_dispute_waiting_is_refused_with_a_reason(
    pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    capsys.readouterr()

    assert main(["resolve-dispute", CLIENT, "10003", "--invoices", "2026-0431", "--credit"]) == 1

    captured = capsys.readouterr()
    assert captured.err == "debtflow resolve-dispute: no dispute waits for a decision on these invoices\n"
    assert captured.out == ""
    assert pipeline.dossier("10003").invoices["2026-0431"].open_cents == 42_050


def test_pause_and_resume_from_the_command_line(
    pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    pipeline.sweep_and_act(DAY_0)
    capsys.readouterr()

    assert main(["pause", CLIENT, "10001", "--until", "2026-12-21"]) == 0
    # 08:30 in Amsterdam (CET) on the day the pause ends.
    assert capsys.readouterr().out == (
        f"dossier {CLIENT}/10001: paused, next action 21-12-2026 08:30, waiting for the client (pause)\n"
    )

    pipeline.now = DAY_0 + timedelta(days=2)
    assert main(["resume", CLIENT, "10001"]) == 0
    assert capsys.readouterr().out.startswith(f"dossier {CLIENT}/10001: reminded, next action ")
    assert pipeline.dossier("10001").status is Status.REMINDED


def test_resuming_a_dossier_that_is_not_paused_exits_1_with_the_reason(
    pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline.upload()
    pipeline.import_uploads()

    assert main(["resume", CLIENT, "10001"]) == 1

    assert capsys.readouterr().err == (
        "debtflow resume: a dossier that is open (no reminder sent yet) cannot be resumed (it is not paused)\n"
    )
    assert pipeline.dossier("10001").status is Status.OPEN


def test_a_pause_that_ends_today_or_earlier_exits_1_with_the_reason(
    pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline.upload()
    pipeline.import_uploads()

    assert main(["pause", CLIENT, "10001", "--until", DAY_0.date().isoformat()]) == 1

    assert capsys.readouterr().err == "debtflow pause: a pause must end after today\n"
    assert pipeline.dossier("10001").status is Status.OPEN


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["pause", CLIENT, "10001", "--until", "21-12-2026"], "not a date as YYYY-MM-DD: '21-12-2026'"),
        (["pause", CLIENT, "10001"], "the following arguments are required: --until"),
        (["dispute", CLIENT, "10003", "--invoices", " , ", "--reason", "other"], "name at least one invoice"),
        (
            ["dispute", CLIENT, "10003", "--invoices", "2026-0431", "--reason", "duur"],
            "invalid choice: 'duur'",
        ),
        (
            ["resolve-dispute", CLIENT, "10003", "--invoices", "2026-0431"],
            "one of the arguments --uphold --credit",
        ),
        (
            ["resolve-dispute", CLIENT, "10003", "--invoices", "2026-0431", "--uphold", "--credit"],
            "not allowed with argument",
        ),
    ],
)
def test_a_malformed_command_line_exits_2_before_touching_the_dossier(
    pipeline: Pipeline, capsys: pytest.CaptureFixture[str], argv: list[str], complaint: str
) -> None:
    pipeline.upload()
    pipeline.import_uploads()

    with pytest.raises(SystemExit) as exit_:
        main(argv)

    assert exit_.value.code == 2
    assert complaint in capsys.readouterr().err
    assert pipeline.dossier(argv[2]).status is Status.OPEN


def test_a_withdrawal_from_the_command_line_is_final(
    pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    pipeline.sweep_and_act(DAY_0)
    capsys.readouterr()

    assert main(["withdraw", CLIENT, "10001", "--reason", "betaald aan de bar"]) == 0
    assert capsys.readouterr().out == f"dossier {CLIENT}/10001: withdrawn\n"

    assert main(["withdraw", CLIENT, "10001"]) == 1
    assert capsys.readouterr().err == ("debtflow withdraw: a dossier that is withdrawn cannot be withdrawn\n")
    jan = pipeline.dossier("10001")
    assert (jan.status, jan.next_action_at) == (Status.WITHDRAWN, None)
