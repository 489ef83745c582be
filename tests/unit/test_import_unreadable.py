"""Whole files that cannot be imported: a clear reason, nothing imported."""

from __future__ import annotations

import io
import random
import zipfile

import openpyxl
import pytest

from chalicelib.importing import ImportSettings, UnreadableList, read_debtor_list

HEADER = "Relatiecode;Naam;Factuurnummer;Vervaldatum;Openstaand\n"


def reason(data: bytes, filename: str = "list.csv", settings: ImportSettings | None = None) -> str:
    with pytest.raises(UnreadableList) as raised:
        list(read_debtor_list(io.BytesIO(data), filename, settings or ImportSettings()))
    return raised.value.reason


def test_empty_file() -> None:
    assert reason(b"") == "The file is empty: it holds no header and no rows."
    assert reason(b"\r\n\r\n") == "The file is empty: it holds no header and no rows."


def test_garbage_bytes() -> None:
    garbage = random.Random(7).randbytes(5000)
    assert reason(garbage).startswith("This is not a list we can read")


def test_no_header() -> None:
    assert reason(b"1001;Jan;F1;31-10-2026;10,00\n").startswith("We found no header row")


def test_old_xls_and_ods_and_fake_xlsx_are_refused_with_advice() -> None:
    assert reason(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "lijst.xls").startswith(
        "Old Excel 97-2003"
    )
    assert reason(HEADER.encode(), "lijst.xlsx").startswith("This file is named .xlsx but is not")
    ods = io.BytesIO()
    with zipfile.ZipFile(ods, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    assert reason(ods.getvalue(), "lijst.ods").startswith("OpenDocument (.ods)")


def test_a_file_over_max_bytes_is_refused_before_reading() -> None:
    data = (HEADER + "1;Els Kok;F1;31-10-2026;10,00\n" * 100).encode()
    assert reason(data, settings=ImportSettings(max_bytes=1000)).startswith("The file is larger than")


def test_an_unseekable_stream_over_max_bytes_is_stopped_while_reading() -> None:
    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            chunk = self._data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    data = (HEADER + "1;Els Kok;F1;31-10-2026;10,00\n" * 10_000).encode()
    reader = read_debtor_list(Pipe(data), "list.csv", ImportSettings(max_bytes=100_000))  # type: ignore[arg-type]
    with pytest.raises(UnreadableList, match="larger than"):
        list(reader)


def test_rows_over_max_rows() -> None:
    data = (HEADER + "1;Els Kok;F1;31-10-2026;10,00\n" * 11).encode()
    assert reason(data, settings=ImportSettings(max_rows=10)) == (
        "The list has more than 10 rows; please split it into smaller lists."
    )


def test_a_zip_bomb_disguised_as_xlsx_is_refused_before_openpyxl_opens_it() -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["Relatiecode", "Naam", "Factuurnummer", "Vervaldatum", "Openstaand"])
    genuine = io.BytesIO()
    workbook.save(genuine)
    bomb = io.BytesIO()
    with zipfile.ZipFile(genuine) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data += b" " * (40 * 1024 * 1024)  # 40 MB of whitespace packs into ~40 KB
            target.writestr(item.filename, data)
    assert len(bomb.getvalue()) < 200_000
    assert reason(bomb.getvalue(), "lijst.xlsx").startswith("This Excel file unpacks to far more data")


def test_a_zip_that_is_no_workbook() -> None:
    archive_bytes = io.BytesIO()
    with zipfile.ZipFile(archive_bytes, "w") as archive:
        archive.writestr("lijst.csv", HEADER)
    assert reason(archive_bytes.getvalue(), "lijst.xlsx").startswith("This file is not a valid Excel")
