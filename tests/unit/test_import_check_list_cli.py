"""`debtflow check-list`: the same reading as the import, a summary for people or JSON."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import pytest

from chalicelib.cli import check_list

LISTS = Path(__file__).parent.parent / "fixtures" / "lists"
TOTAL_BY_INVOICE_AMOUNT = 241_250  # the Factuurbedrag column of the three accepted rows


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="debtflow")
    check_list.register(parser.add_subparsers())
    args = parser.parse_args(["check-list", *argv])
    result = args.handler(args)
    assert isinstance(result, int)
    return result


def test_json_summary_is_exact(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(str(LISTS / "exact_online.csv"), "--json", "--client", "42") == 0
    assert json.loads(capsys.readouterr().out) == {
        "rows": 5,
        "accepted": 3,
        "debtors": 2,
        "invoices": 3,
        "total_open_cents": 123456 + 60500 - 1250,
        "rejected": [
            {"line": 7, "column": "E-mailadres", "reason": "'jansen@jansenzn' is not a valid e-mail address"},
            {"line": 8, "column": "Openstaand", "reason": "the open amount is empty"},
        ],
    }


def test_readable_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(str(LISTS / "sportlink.csv"), "--default-type", "consumer") == 0
    out = capsys.readouterr().out
    assert "total open: € 277,50" in out
    assert "line 4, Factuurnummer: the invoice number is empty" in out


def test_garbage_exits_2_with_the_reason_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    garbage = tmp_path / "lijst.csv"
    garbage.write_bytes(bytes(range(256)) * 20)
    assert run(str(garbage)) == 2
    captured = capsys.readouterr()
    assert "This is not a list we can read" in captured.err
    assert "Traceback" not in captured.err
    assert run(str(tmp_path / "missing.csv")) == 2


def test_without_aws_it_says_it_uses_the_default_mapping(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TABLE_NAME", raising=False)
    assert run(str(LISTS / "exact_online.csv"), "--json", "--client", "42") == 0
    assert "using the default column mapping" in capsys.readouterr().err


def test_with_aws_it_reads_the_clients_column_mapping(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib import bootstrap
    from tests.builders import CLUB
    from tests.fakes import FakeClientDirectory

    # This client's export keeps the open amount under "Factuurbedrag" (a mapping, not a synonym).
    mapped = replace(CLUB, column_mapping={"open_amount": "Factuurbedrag"})
    monkeypatch.setenv("TABLE_NAME", "debtflow-test")
    monkeypatch.setattr(bootstrap, "client_directory", lambda: FakeClientDirectory(mapped))
    assert run(str(LISTS / "exact_online.csv"), "--json", "--client", CLUB.client_id) == 0
    captured = capsys.readouterr()
    assert f"using client {CLUB.client_id}'s column mapping" in captured.err
    assert json.loads(captured.out)["total_open_cents"] == TOTAL_BY_INVOICE_AMOUNT
