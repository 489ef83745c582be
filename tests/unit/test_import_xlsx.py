"""An Excel export: date cells, number cells, a title row; read with calamine, or streamed with
openpyxl read-only above the size calamine may load whole."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest

from chalicelib.domain.debtor_list import InvoiceLine, RejectedRow
from chalicelib.importing import ImportSettings, read_debtor_list, xlsx_source


def workbook_bytes() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Openstaande posten per 26-11-2026"])
    sheet.append([])
    sheet.append(
        ["Debiteurnummer", "Naam", "Factuurnummer", "Factuurdatum", "Vervaldatum", "Openstaand", "Mobiel"]
    )
    sheet.append([3001, "Fietsenmaker Pluim B.V.", 2026118, datetime(2026, 10, 1), datetime(2026, 10, 31),
                  19.99, 612345678])  # fmt: skip
    sheet.append([3002, "Ellen Hoekstra", "F-119", "02-10-2026", 46326, "€ 1.234,56", "06-87654321"])
    sheet.append([3003, "Ellen Hoekstra", "F-120", datetime(2026, 10, 3), "morgen", -12.5, None])
    sheet.append(["Totaal", None, None, None, None, 1222.05, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture(params=["calamine", "openpyxl"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every reading test runs on both readers: they must agree cell for cell."""
    if request.param == "openpyxl":
        monkeypatch.setattr(xlsx_source, "CALAMINE_MAX_SHEET_BYTES", 0)
    return str(request.param)


def test_the_reader_is_chosen_by_the_size_of_the_sheets(monkeypatch: pytest.MonkeyPatch) -> None:
    data = workbook_bytes()
    assert xlsx_source.XlsxSource(io.BytesIO(data), {}, 1000).engine == "calamine"
    monkeypatch.setattr(xlsx_source, "CALAMINE_MAX_SHEET_BYTES", 100)  # this sheet's XML is larger
    assert xlsx_source.XlsxSource(io.BytesIO(data), {}, 1000).engine == "openpyxl"


def test_xlsx_with_date_cells_and_number_cells(engine: str) -> None:
    reader = read_debtor_list(io.BytesIO(workbook_bytes()), "openstaand.xlsx", ImportSettings())
    outcomes = list(reader)
    assert reader.format == "xlsx"
    assert reader.header[0] == "Debiteurnummer"
    pluim, ellen, late = outcomes
    assert isinstance(pluim, InvoiceLine) and isinstance(ellen, InvoiceLine)
    assert pluim.line == 4
    assert (pluim.debtor.debtor_id, pluim.invoice_number) == ("3001", "2026118")
    assert pluim.open_cents == 1999  # the float 19.99 is not truncated to 1998
    assert (pluim.invoice_date, pluim.due_date) == (date(2026, 10, 1), date(2026, 10, 31))
    assert pluim.debtor.phone_e164 == "+31612345678"  # Excel dropped the leading zero
    assert ellen.due_date == date(2026, 10, 31)  # a date cell formatted as a number: serial 46326
    assert (ellen.open_cents, ellen.debtor.phone_e164) == (123456, "+31687654321")
    assert late == RejectedRow(
        line=6, column="Vervaldatum", reason="'morgen' is not a date; write it as dd-mm-yyyy, e.g. 31-10-2026"
    )
    assert reader.rows_seen == 4


def test_xlsx_from_an_unseekable_stream_is_spooled(engine: str) -> None:
    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            chunk = self._data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    outcomes = list(read_debtor_list(Pipe(workbook_bytes()), "x.xlsx", ImportSettings()))  # type: ignore[arg-type]
    assert [o.line for o in outcomes] == [4, 5, 6]
