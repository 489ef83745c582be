"""Damaged and oversized lists: a reason in words for the client, never a crash.

A damaged workbook, a part that would take more memory than the import has, a cell the csv module
cannot hold: each ends in a report, as a whole-file rejection or as rejected rows, and the good
rows of a readable list still land.
"""

from __future__ import annotations

import argparse
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from chalicelib.cli import check_list
from chalicelib.domain.debtor_list import InvoiceLine, RejectedRow
from chalicelib.importing import ImportSettings, UnreadableList, read_debtor_list, xlsx_source
from chalicelib.services.import_upload import (
    UPLOAD_DELIVERIES,
    ImportDeps,
    ImportUpload,
    import_upload,
    report_failed_upload,
)
from tests.builders import CLUB, NOW
from tests.fakes import FakeClientDirectory, FakeDossierRepository, FakeFileStore, FakeUploadLedger

HEADER = ["Relatiecode", "Naam", "Factuurnummer", "Vervaldatum", "Openstaand"]
CSV_HEADER = ";".join(HEADER) + "\n"


def csv_row(n: int, name: str | None = None) -> str:
    return f"{1000 + n};{name or f'Debiteur {n}'};F{n};31-10-2026;10,00\n"


def workbook_bytes(rows: int = 100) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER)
    for n in range(rows):
        sheet.append([1000 + n, f"Debiteur {n}", f"F{n}", "31-10-2026", 10.0])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rewrite_part(data: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    """The same workbook with one part changed, every other part copied as it was."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            body = source.read(entry)
            target.writestr(entry.filename, change(body) if entry.filename == name else body)
    return out.getvalue()


def with_shared_strings(data: bytes, strings: int) -> bytes:
    """The workbook plus a shared-strings part (Excel writes one; openpyxl writes cells inline)."""
    items = "".join(f"<si><t>Debiteur {n}</t></si>" for n in range(strings))
    xml = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{strings}" uniqueCount="{strings}">{items}</sst>'
    )
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", xml)
    return out.getvalue()


def xml_broken_after_row_50() -> bytes:
    """The sheet XML turns into garbage after row 50 (row 51 of the list, below the header)."""

    def damage(xml: bytes) -> bytes:
        cut = xml.index(b'<row r="52"')
        return xml[:cut] + b'<row r="52"><c r="A52" <<garbage & more</sheetData></worksheet>'

    return rewrite_part(workbook_bytes(), "xl/worksheets/sheet1.xml", damage)


def reason(data: bytes, filename: str) -> str:
    with pytest.raises(UnreadableList) as raised:
        list(read_debtor_list(io.BytesIO(data), filename, ImportSettings()))
    return raised.value.reason


class World:
    def __init__(self) -> None:
        self.files = FakeFileStore()
        self.dossiers = FakeDossierRepository()
        self.deps = ImportDeps(FakeClientDirectory(CLUB), self.dossiers, FakeUploadLedger(), self.files)

    def upload(self, data: bytes, name: str) -> ImportUpload:
        key = f"incoming/{CLUB.client_id}/{name}"
        self.files.files[key] = data
        return ImportUpload("uploads", key, "e1")

    def report(self, name: str) -> dict[str, object]:
        report: dict[str, object] = json.loads(
            self.files.files[f"reports/{CLUB.client_id}/{name}.result.json"]
        )
        return report


def run_check_list(path: Path) -> int:
    parser = argparse.ArgumentParser(prog="debtflow")
    check_list.register(parser.add_subparsers())
    args = parser.parse_args(["check-list", str(path)])
    result = args.handler(args)
    assert isinstance(result, int)
    return result


# --- a workbook whose sheet XML breaks halfway ------------------------------------------------------


def test_a_workbook_whose_xml_breaks_after_row_50_is_rejected_whole_with_the_row() -> None:
    text = reason(xml_broken_after_row_50(), "openstaand.xlsx")
    assert text.startswith("This Excel file is damaged")
    assert "row 51" in text


def test_the_import_reports_a_damaged_workbook_instead_of_raising() -> None:
    world = World()
    result = import_upload(world.upload(xml_broken_after_row_50(), "lijst.xlsx"), NOW, world.deps)
    assert result.status == "rejected_file"
    report = world.report("lijst.xlsx")
    assert report["status"] == "rejected_file"
    assert str(report["error"]).startswith("Dit Excel-bestand is beschadigd")  # the club reads Dutch
    # Nothing of a rejected file is imported, and the report does not pretend otherwise.
    assert (report["accepted"], report["rows"], report["dossiers_opened"]) == (0, 0, 0)
    assert world.dossiers.debtor_index(CLUB.client_id) == {}


def test_check_list_exits_2_with_the_reason_for_a_damaged_workbook(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    damaged = tmp_path / "lijst.xlsx"
    damaged.write_bytes(xml_broken_after_row_50())
    assert run_check_list(damaged) == 2
    err = capsys.readouterr().err
    assert "This Excel file is damaged" in err
    assert "Traceback" not in err


def test_a_workbook_with_broken_compressed_data_is_rejected_whole() -> None:
    data = bytearray(workbook_bytes(300))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
    # Flip bytes in the middle of the sheet's deflate stream: a CRC or inflate error mid-sheet.
    middle = sheet.header_offset + 30 + len(sheet.filename) + sheet.compress_size // 2
    for offset in range(middle, middle + 16):
        data[offset] ^= 0xFF
    assert reason(bytes(data), "openstaand.xlsx").startswith("This Excel file is damaged")


# --- parts too large to open ------------------------------------------------------------------------


def test_shared_strings_over_the_part_cap_are_refused_before_opening(monkeypatch: pytest.MonkeyPatch) -> None:
    # The measured case: 187 MB of shared strings at ratio 4.7 passes the zip-bomb check and took
    # 1.1 GB to open. The cap is checked on the zip directory; a small cap stands in for it here.
    data = with_shared_strings(workbook_bytes(5), 1000)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        size = archive.getinfo("xl/sharedStrings.xml").file_size
    monkeypatch.setattr(xlsx_source, "MAX_SHARED_STRINGS_BYTES", size - 1)
    text = reason(data, "openstaand.xlsx")
    assert "shared text" in text and "MB" in text


def test_the_part_caps_fit_the_import_functions_memory() -> None:
    # openpyxl holds every shared string in memory: ~6 bytes of memory per byte of XML (1.1 GB
    # for 187 MB). The import function has 1,024 MB.
    assert xlsx_source.MAX_SHARED_STRINGS_BYTES * 6 < 512 * 1024 * 1024
    assert xlsx_source.MAX_OTHER_PART_BYTES <= xlsx_source.MAX_SHARED_STRINGS_BYTES


def test_an_oversized_workbook_part_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_source, "MAX_OTHER_PART_BYTES", 5000)
    assert "xl/theme/theme1.xml unpacks to" in reason(workbook_bytes(5), "openstaand.xlsx")


# --- long cells in a CSV ------------------------------------------------------------------------------


def test_a_cell_over_the_csv_modules_limit_rejects_that_row_only() -> None:
    huge = "x" * (200 * 1024)
    text = CSV_HEADER + csv_row(1) + csv_row(2, huge) + csv_row(3)
    outcomes = list(read_debtor_list(io.BytesIO(text.encode()), "lijst.csv", ImportSettings()))
    assert [o.line for o in outcomes if isinstance(o, InvoiceLine)] == [2, 4]
    [rejected] = [o for o in outcomes if isinstance(o, RejectedRow)]
    assert rejected.line == 3
    assert "131.072 characters" in rejected.reason
    assert "quote" not in rejected.reason


def test_the_report_of_a_list_with_one_huge_cell_counts_what_was_imported() -> None:
    world = World()
    text = CSV_HEADER + csv_row(1) + csv_row(2, "x" * (200 * 1024))
    result = import_upload(world.upload(text.encode(), "lijst.csv"), NOW, world.deps)
    report = world.report("lijst.csv")
    assert (result.status, report["accepted"], report["dossiers_opened"]) == ("imported", 1, 1)
    assert report["rejected_count"] == 1


def test_a_long_name_is_a_rejected_row_with_its_line_and_column() -> None:
    text = CSV_HEADER + csv_row(1) + csv_row(2, "Jansen" * 200) + csv_row(3)
    outcomes = list(read_debtor_list(io.BytesIO(text.encode()), "lijst.csv", ImportSettings()))
    [rejected] = [o for o in outcomes if isinstance(o, RejectedRow)]
    assert (rejected.line, rejected.column) == (3, "Naam")
    assert rejected.reason == "the debtor name is 1.200 characters long; at most 1.000 fit"
    assert len([o for o in outcomes if isinstance(o, InvoiceLine)]) == 2


def test_a_long_debtor_number_is_a_rejected_row() -> None:
    text = CSV_HEADER + f"{'9' * 150};Els Kok;F1;31-10-2026;10,00\n"
    [rejected] = list(read_debtor_list(io.BytesIO(text.encode()), "lijst.csv", ImportSettings()))
    assert isinstance(rejected, RejectedRow)
    assert (rejected.line, rejected.column) == (2, "Relatiecode")
    assert "at most 100" in rejected.reason


def test_an_unclosed_quote_that_swallows_rows_rejects_the_file_saying_so() -> None:
    # Continuing after the quote would silently drop every row it swallowed.
    rows = "".join(csv_row(n) for n in range(5000))
    text = CSV_HEADER + csv_row(1, '"Jansen') + rows
    assert "quote" in reason(text.encode(), "lijst.csv")


# --- a failure of ours on the last delivery ----------------------------------------------------------


class BrokenDossierRepository(FakeDossierRepository):
    """DynamoDB failing in a way no retry fixes (a bug, an item too large...)."""

    def debtor_index(self, client_id: str) -> dict[str, bool]:
        raise RuntimeError("ValidationException")


def test_a_failure_on_the_last_delivery_tells_the_client_and_still_reaches_the_dlq() -> None:
    world = World()
    deps = replace(world.deps, dossiers=BrokenDossierRepository())
    upload = world.upload((CSV_HEADER + csv_row(1)).encode(), "lijst.csv")
    with pytest.raises(RuntimeError):
        import_upload(upload, NOW, deps, delivery=UPLOAD_DELIVERIES - 1)
    assert f"reports/{CLUB.client_id}/lijst.csv.result.json" not in world.files.files  # retried first
    with pytest.raises(RuntimeError):
        import_upload(upload, NOW, deps, delivery=UPLOAD_DELIVERIES)
    report = world.report("lijst.csv")
    assert report["status"] == "failed"
    error = str(report["error"])  # in Dutch: the club's language
    assert "konden dit bestand niet verwerken" in error
    assert "team is gewaarschuwd" in error
    assert "upload het later opnieuw" in error and "contact met ons op" in error
    assert report["accepted"] == 0


def test_no_failure_report_for_a_client_that_does_not_exist() -> None:
    world = World()
    deps = replace(world.deps, dossiers=BrokenDossierRepository())
    world.files.files["incoming/onbekend/lijst.csv"] = b"x"
    report_failed_upload(ImportUpload("uploads", "incoming/onbekend/lijst.csv", "e1"), deps)
    assert not any(key.startswith("reports/") for key in world.files.files)


def test_the_last_delivery_is_the_uploads_queues_max_receive_count() -> None:
    resources = json.loads((Path(__file__).parents[2] / "infra" / "resources.json").read_text())
    queue = resources["Resources"]["UploadsQueue"]["Properties"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] == UPLOAD_DELIVERIES
