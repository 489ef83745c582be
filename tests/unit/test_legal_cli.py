"""`debtflow costs | interest | fourteen-day` (chalicelib/cli/legal_commands.py)."""

from __future__ import annotations

import argparse
import json

import pytest

from chalicelib.cli.legal_commands import register


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="debtflow")
    register(parser.add_subparsers(required=True))
    args = parser.parse_args(argv)
    code: int = args.handler(args)
    return code


def run_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert run([*argv, "--json"]) == 0
    payload: dict[str, object] = json.loads(capsys.readouterr().out)
    return payload


@pytest.mark.parametrize(
    ("amount", "principal_cents", "costs_cents"),
    [
        ("1000", 100000, 15000),
        ("1.234,56", 123456, 18518),
        ("1234.56", 123456, 18518),
        ("€ 10.000,00", 1000000, 87500),
    ],
)
def test_costs_json(
    amount: str, principal_cents: int, costs_cents: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_json(["costs", amount], capsys) == {
        "principal_cents": principal_cents,
        "costs_cents": costs_cents,
        "vat": False,
        "vat_cents": 0,
        "total_cents": costs_cents,
    }


def test_costs_with_vat_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_json(["costs", "10000", "--vat"], capsys) == {
        "principal_cents": 1000000,
        "costs_cents": 87500,
        "vat": True,
        "vat_cents": 18375,
        "total_cents": 105875,
    }


def test_costs_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["costs", "1000", "--vat"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("€ 1.000,00")
    assert lines[1].startswith("Incassokosten") and lines[1].endswith("€ 150,00")
    assert lines[2].startswith("Btw") and lines[2].endswith("€ 31,50")
    assert lines[3].startswith("Totaal") and lines[3].endswith("€ 181,50")


def test_interest_json_matches_the_domain_vector(capsys: pytest.CaptureFixture[str]) -> None:
    payload = run_json(
        ["interest", "--principal", "1000", "--from", "2025-01-01", "--to", "2026-06-30", "--commercial"],
        capsys,
    )
    assert payload["interest_cents"] == 16215
    assert payload["kind"] == "commercial"
    assert payload["provisional"] is False
    assert payload["periods"] == [
        {
            "first_day": "2025-01-01",
            "last_day": "2025-06-30",
            "days": 181,
            "base_cents": 100000,
            "rate_percent": "11.15",
            "interest_cents": 5529,
            "provisional": False,
        },
        {
            "first_day": "2025-07-01",
            "last_day": "2025-12-31",
            "days": 184,
            "base_cents": 100000,
            "rate_percent": "10.15",
            "interest_cents": 5117,
            "provisional": False,
        },
        {
            "first_day": "2026-01-01",
            "last_day": "2026-06-30",
            "days": 181,
            "base_cents": 110646,
            "rate_percent": "10.15",
            "interest_cents": 5569,
            "provisional": False,
        },
    ]


def test_interest_text_for_a_consumer_with_dutch_dates(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        run(["interest", "--principal", "500", "--from", "01-03-2025", "--to", "28-02-2026", "--consumer"])
        == 0
    )
    out = capsys.readouterr().out
    assert "BW 6:119)" in out
    assert out.splitlines()[-1] == "Totaal / total: € 28,38"


def test_interest_text_marks_a_provisional_rate(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        run(["interest", "--principal", "1000", "--from", "2026-07-01", "--to", "2026-07-31", "--commercial"])
        == 0
    )
    assert "provisional" in capsys.readouterr().out


def test_fourteen_day_json(capsys: pytest.CaptureFixture[str]) -> None:
    payload = run_json(["fourteen-day", "--sent", "2026-12-23"], capsys)
    assert payload == {
        "sent": "2026-12-23",
        "presumed_receipt": "2026-12-29",
        "last_day": "2027-01-12",
        "costs_due_from": "2027-01-13",
        "wording": {
            "nl": "binnen veertien dagen vanaf de dag nadat deze brief bij u is bezorgd",
            "en": "within fourteen days from the day after this letter has been delivered to you",
        },
    }


def test_fourteen_day_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["fourteen-day", "--sent", "2026-05-01"]) == 0
    out = capsys.readouterr().out
    assert "vr 2026-05-01" in out
    assert "wo 2026-05-06" in out
    assert "wo 2026-05-20" in out
    assert "do 2026-05-21" in out
    assert "binnen veertien dagen vanaf de dag nadat deze brief bij u is bezorgd" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["costs", "abc"],
        ["costs", "0"],
        ["costs", "1000", "--bogus"],
        ["interest", "--principal", "1000", "--from", "2025-01-01", "--to", "2025-12-31"],
        [
            "interest",
            "--principal",
            "1000",
            "--from",
            "2025-01-01",
            "--to",
            "2025-12-31",
            "--consumer",
            "--commercial",
        ],
        ["interest", "--principal", "x", "--from", "2025-01-01", "--to", "2025-12-31", "--consumer"],
        ["interest", "--principal", "1000", "--from", "2025-02-30", "--to", "2025-12-31", "--consumer"],
        ["fourteen-day", "--sent", "2026-13-01"],
        ["fourteen-day"],
    ],
)
def test_bad_arguments_exit_with_code_2_and_a_message(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as raised:
        run(argv)
    assert raised.value.code == 2
    captured = capsys.readouterr()
    assert "error:" in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["interest", "--principal", "1000", "--from", "2025-12-31", "--to", "2025-01-01", "--consumer"],
            "is before --from",
        ),
        (
            ["interest", "--principal", "1000", "--from", "2014-06-01", "--to", "2015-06-01", "--commercial"],
            "no statutory interest rate known for 2014-06-01",
        ),
    ],
)
def test_input_the_rules_refuse_returns_2_with_a_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""
