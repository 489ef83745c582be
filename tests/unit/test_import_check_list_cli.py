"""`debtflow check-list`: the same reading as the import, a summary for people or JSON."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import pytest

from chalicelib.cli import check_list

LISTS = Path(__file__).parent.parent / "fixtures" / "lists"
TOTAL_BY_INVOICE_AMOUNT = 251_245  # the Factuurbedrag column of the four accepted rows


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="debtflow")
    check_list.register(parser.add_subparsers())
    args = parser.parse_args(["check-list", *argv])
    result = args.handler(args)
    assert isinstance(result, int)
    return result


def test_json_summary_is_exact(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(str(LISTS / "exact_online.csv"), "--json", "--client", "42") == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary == {
        "rows": 5,
        "accepted": 4,
        "debtors": 3,
        "invoices": 4,
        "total_open_cents": 123456 + 60500 - 1250 + 9995,
        "columns": summary["columns"],
        "rejected": [{"line": 8, "column": "Openstaand", "reason": "the open amount is empty"}],
        "fields_dropped": [
            {"line": 7, "column": "E-mailadres", "reason": "'jansen@jansenzn' is not a valid e-mail address"}
        ],
    }
    assert summary["columns"]["debtor_id"] == "Relatiecode"


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


def test_it_prints_the_mapping_it_used_in_words_and_never_the_table_name_hint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TABLE_NAME", raising=False)
    assert run(str(LISTS / "exact_online.csv")) == 0
    captured = capsys.readouterr()
    assert "set TABLE_NAME" not in captured.err + captured.out
    assert captured.err == ""
    assert "    debtor number        <- column 'Relatiecode' (a usual name)" in captured.out
    assert "    open amount          <- column 'Openstaand' (a usual name)" in captured.out


def test_a_named_client_whose_mapping_cannot_be_read_is_said_plainly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TABLE_NAME", raising=False)
    assert run(str(LISTS / "exact_online.csv"), "--json", "--client", "42") == 0
    err = capsys.readouterr().err
    assert "client 42's own column mapping was not read" in err
    assert "default column mapping" not in err


def test_text_mode_caps_the_rejected_rows_and_counts_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = "".join(f"{n};Lid {n};F{n};31-10-2026;veel\n" for n in range(1, 31))
    listed = tmp_path / "lijst.csv"
    listed.write_text("Relatiecode;Naam;Factuurnummer;Vervaldatum;Openstaand\n" + rows, encoding="utf-8")
    assert run(str(listed)) == 0
    out = capsys.readouterr().out
    assert "  rejected:   30" in out
    assert out.count("is not an amount") == 20
    assert "    ... and 10 more rejected rows (--show N, or --json for all)" in out
    assert run(str(listed), "--show", "40") == 0
    assert capsys.readouterr().out.count("is not an amount") == 30


def test_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run("--help")
    out = capsys.readouterr().out
    assert "0  the list is readable" in out
    assert "2  the file cannot be read as a debtor list" in out


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
    assert captured.err == ""
    assert json.loads(captured.out)["total_open_cents"] == TOTAL_BY_INVOICE_AMOUNT
