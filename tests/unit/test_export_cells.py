"""Export cells: text that would run as a formula is neutralised, amounts keep a decimal comma."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from chalicelib.domain.exports import Cell, Euros, csv_cell, neutralised
from chalicelib.services.client_exports import csv_file, xlsx_file


@pytest.mark.parametrize(
    "text", ["=1+1", "+31612345678", "-2+3", "@SUM(A1)", '\t=HYPERLINK("x")', "\r=1", "\n=1"]
)
def test_a_cell_starting_like_a_formula_gets_a_quote(text: str) -> None:
    assert neutralised(text) == "'" + text
    assert csv_cell(text) == "'" + text


def test_plain_text_amounts_and_dates_are_written_as_they_are() -> None:
    assert [
        csv_cell(v) for v in ("Jan de Vries", Euros(123_456), Euros(-1_250), Euros(5), date(2026, 1, 2), None)
    ] == [
        "Jan de Vries",
        "1234,56",
        "-12,50",
        "0,05",
        "2026-01-02",
        "",
    ]


def test_the_files_carry_a_bom_semicolons_and_typed_xlsx_cells() -> None:
    rows: list[list[Cell]] = [["=cmd|' /C calc'!A0", Euros(-1_250), date(2026, 1, 2)]]
    assert csv_file(["Naam", "Bedrag", "Datum"], iter(rows)) == (
        "\ufeffNaam;Bedrag;Datum\r\n'=cmd|' /C calc'!A0;-12,50;2026-01-02\r\n".encode()
    )
    sheet = load_workbook(io.BytesIO(xlsx_file("Dossiers", ["Naam", "Bedrag", "Datum"], iter(rows))))[
        "Dossiers"
    ]
    name, amount, day = sheet[2]
    assert (name.value, name.data_type) == ("'=cmd|' /C calc'!A0", "s")
    assert (amount.value, amount.number_format) == (-12.5, "#,##0.00")
    assert day.value == datetime(2026, 1, 2) and day.number_format == "yyyy-mm-dd"
