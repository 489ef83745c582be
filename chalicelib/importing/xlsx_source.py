"""Rows of an Excel (.xlsx) export: read with python-calamine, or streamed with openpyxl's
read-only mode when the sheets are too large to load whole.

python-calamine (Rust) reads a sheet about 15 times faster than openpyxl, but loads it whole
(ARCHITECTURE.md: 211 MB for 300k rows). Workbooks whose sheets unpack to at most
`CALAMINE_MAX_SHEET_BYTES` are read with it; larger ones stream through openpyxl in constant memory,
slower. A workbook calamine cannot read goes to openpyxl as well, which reads up to the damage and
says where it is. The guards below run before either library opens anything.

Neither library has a guard against zip bombs (a 0.15 MB file that inflates to 49 MB of sheet XML and a
million rows, ARCHITECTURE.md): the zip directory is checked before openpyxl opens the file. The
declared sizes can be trusted because zipfile stops reading an entry at its declared size and
fails on the CRC. With defusedxml installed openpyxl refuses XML entity bombs; calamine's XML
reader does not expand declared entities at all.
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any, BinaryIO

from chalicelib.importing.csv_source import PrefixedStream, missing_header_reason
from chalicelib.importing.errors import UnreadableList
from chalicelib.importing.headers import ColumnMatch, find_header

HEADER_SCAN_ROWS = 20
# Sheet XML of real exports compresses 5-30x; a bomb is made of repetition and compresses
# hundreds of times. Small parts (styles, shared strings of a tiny list) may compress well, so
# the ratio only counts for parts above 1 MB.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_ABOVE = 1024 * 1024
# One row of sheet XML takes a few hundred bytes: 2 million rows fit in ~1 GB.
MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024
# openpyxl streams the sheets but reads every other part whole, the shared strings into a list of
# Python strings: 187 MB of shared-strings XML (at ratio 4.7, so no bomb by the ratio) took 1.1 GB
# and 77 s, ~6 bytes of memory per byte of XML, where the import function has 1,024 MB. 64 MB
# holds the unique texts of a few hundred thousand rows and stays under ~400 MB of memory.
MAX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024
SHARED_STRINGS = "xl/sharedStrings.xml"
# Workbook, styles, theme, relationships: kilobytes in real exports.
MAX_OTHER_PART_BYTES = 16 * 1024 * 1024
STREAMED_PARTS = "xl/worksheets/"
# Sheets up to this size (their XML unpacked, all sheets together) are loaded whole by calamine;
# above it openpyxl streams them. Measured (bench/bench_xlsx.py): a 300k-row export with 102 MB of
# sheet XML is read and validated at a peak of 267 MB in all, where the import function has
# 1,024 MB; 128 MiB of sheets (~380k such rows) stays near 350 MB.
CALAMINE_MAX_SHEET_BYTES = 128 * 1024 * 1024
SPOOL_IN_MEMORY_BYTES = 16 * 1024 * 1024

XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2: Excel 97-2003 .xls
ZIP_MAGIC = b"PK\x03\x04"

NOT_XLSX = "This file is not a valid Excel (.xlsx) workbook; export the list again as .xlsx or CSV."
BOMB = (
    "This Excel file unpacks to far more data than a debtor list holds, so we do not open it; "
    "export the list again as .xlsx or CSV."
)


@dataclass(frozen=True)
class XlsxLayout:
    sheet_title: str
    header: tuple[str, ...]
    match: ColumnMatch


def seekable_copy(stream: BinaryIO, sample: bytes, max_bytes: int) -> IO[bytes]:
    """zipfile needs to seek (the directory sits at the end): spool an unseekable upload."""
    if stream.seekable():
        stream.seek(stream.tell() - len(sample))
        return stream
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES)  # noqa: SIM115 - kept open for reading
    shutil.copyfileobj(PrefixedStream(sample, stream, max_bytes), spool)
    spool.seek(0)
    return spool


def check_zip(stream: IO[bytes], max_uncompressed: int = MAX_UNCOMPRESSED_BYTES) -> int:
    """Refuse what is not an xlsx, and zip bombs, by reading only the zip directory. Returns the
    unpacked size of the sheets."""
    start = stream.tell()
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
            if "mimetype" in names and b"opendocument" in archive.read("mimetype")[:100]:
                raise UnreadableList(
                    "OpenDocument (.ods) files are not supported; save the list as Excel (.xlsx) or CSV."
                )
    except zipfile.BadZipFile:
        raise UnreadableList(NOT_XLSX) from None
    finally:
        stream.seek(start)
    if "xl/workbook.xml" not in names:
        raise UnreadableList(NOT_XLSX)
    if sum(entry.file_size for entry in entries) > max_uncompressed:
        raise UnreadableList(BOMB)
    for entry in entries:
        _check_part_size(entry)
        if entry.file_size > RATIO_CHECKED_ABOVE and (
            entry.compress_size == 0 or entry.file_size / entry.compress_size > MAX_COMPRESSION_RATIO
        ):
            raise UnreadableList(BOMB)
    return sum(entry.file_size for entry in entries if entry.filename.startswith(STREAMED_PARTS))


def _check_part_size(entry: zipfile.ZipInfo) -> None:
    """Parts openpyxl reads whole must fit the import's memory; images and other binary parts are
    never read in read-only mode, and the sheets are streamed (the total counts for them)."""
    name = entry.filename
    if name.startswith(STREAMED_PARTS) or not name.endswith((".xml", ".rels")):
        return
    if name == SHARED_STRINGS:
        if entry.file_size > MAX_SHARED_STRINGS_BYTES:
            raise UnreadableList(
                f"This Excel file's shared text ({name}) unpacks to {_megabytes(entry.file_size)}, "
                f"more than the {_megabytes(MAX_SHARED_STRINGS_BYTES)} a debtor list can use; save the "
                "list as CSV, or split it into smaller lists."
            )
    elif entry.file_size > MAX_OTHER_PART_BYTES:
        raise UnreadableList(
            f"This Excel file's part {name} unpacks to {_megabytes(entry.file_size)}, more than the "
            f"{_megabytes(MAX_OTHER_PART_BYTES)} such a part holds in an export; export the list "
            "again as .xlsx or CSV."
        )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",").replace(",0 MB", " MB")


@dataclass
class _Sheet:
    title: str
    declared_rows: int | None
    rows: Iterator[Sequence[Any]]  # from the sheet's first row (row 1), empty cells "" or None
    blank_is_none: bool = True  # openpyxl gives None for an empty cell, calamine ""


class XlsxSource:
    """Finds the header on the first sheet that has one and yields the rows below it."""

    def __init__(self, stream: IO[bytes], column_mapping: Mapping[str, str], max_rows: int) -> None:
        sheet_bytes = check_zip(stream)
        start = stream.tell()
        self.engine = "calamine" if sheet_bytes <= CALAMINE_MAX_SHEET_BYTES else "openpyxl"
        self._close: Callable[[], None] = _nothing
        if self.engine == "calamine":
            try:
                sheets, self._close = _calamine_sheets(stream)
                self._find_header(sheets, column_mapping, max_rows)
                return
            except UnreadableList:
                raise
            except Exception:
                # calamine says only that something is broken: openpyxl reads up to the damage
                # and the reader reports the row it stopped at (or that it cannot be opened).
                self._close()
                stream.seek(start)
                self.engine = "openpyxl"
        sheets, self._close = _openpyxl_sheets(stream)
        self._find_header(sheets, column_mapping, max_rows)

    def _find_header(
        self, sheets: Iterator[_Sheet], column_mapping: Mapping[str, str], max_rows: int
    ) -> None:
        partial: ColumnMatch | None = None
        for sheet in sheets:
            if sheet.declared_rows is not None and sheet.declared_rows > max_rows + HEADER_SCAN_ROWS:
                self._close()
                raise UnreadableList(too_many_rows_reason(max_rows))
            top: list[Sequence[Any]] = []
            for row in sheet.rows:
                top.append(row)
                if len(top) >= HEADER_SCAN_ROWS:
                    break
            texts = [[_header_text(cell) for cell in row] for row in top]
            found = find_header(texts, column_mapping)
            if found is None:
                continue
            position, match = found
            if position < 0:
                if partial is None or len(match.indexes) > len(partial.indexes):
                    partial = match
                continue
            self.layout = XlsxLayout(sheet.title, tuple(texts[position]), match)
            self._first_line = position + 2
            self._buffered = top[position + 1 :]
            self._rest = sheet.rows
            self._blank_is_none = sheet.blank_is_none
            return
        self._close()
        if partial is None:
            raise UnreadableList("The workbook is empty: it holds no header and no rows.")
        raise UnreadableList(missing_header_reason(partial))

    def rows(self) -> Iterator[tuple[int, list[object]]]:
        """(row number as Excel shows it, cells); empty cells are ""."""
        line = self._first_line
        try:
            for row in self._buffered:
                yield line, ["" if cell is None else cell for cell in row]
                line += 1
            self._buffered = []
            if not self._blank_is_none:  # calamine: each row is already a fresh list, "" for blanks
                for row in self._rest:
                    yield line, row  # type: ignore[misc]
                    line += 1
                return
            for row in self._rest:
                yield line, ["" if cell is None else cell for cell in row]
                line += 1
        finally:
            self._close()


def _nothing() -> None:
    return None


def _header_text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # calamine gives every number as a float: a header 2026 is "2026"
    return str(cell).strip()


def _calamine_sheets(stream: IO[bytes]) -> tuple[Iterator[_Sheet], Callable[[], None]]:
    # Imported here: only .xlsx uploads pay for loading the extension (a Lambda cold start).
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_filelike(stream)
    closed = False

    def close() -> None:
        nonlocal closed
        if not closed:
            closed = True
            workbook.close()

    def sheets() -> Iterator[_Sheet]:
        for index, title in enumerate(workbook.sheet_names):
            sheet = workbook.get_sheet_by_index(index)  # parses the whole sheet: errors come here
            # iter_rows starts at row 1 (leading empty rows included) and at the first used column.
            yield _Sheet(title, sheet.total_height, iter(sheet.iter_rows()), blank_is_none=False)

    # Parse every sheet up front so that a damaged one fails here, before any row is yielded.
    loaded = list(sheets())
    return iter(loaded), close


def _openpyxl_sheets(stream: IO[bytes]) -> tuple[Iterator[_Sheet], Callable[[], None]]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no default style": harmless in exports
            # Imported here: only large or damaged .xlsx uploads pay openpyxl's start-up.
            import openpyxl

            workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except UnreadableList:
        raise
    except Exception:  # openpyxl raises KeyError, ValueError, XML errors... for broken files
        raise UnreadableList(NOT_XLSX) from None

    def sheets() -> Iterator[_Sheet]:
        for sheet in workbook.worksheets:
            declared = getattr(sheet, "max_row", None)
            rows: Iterator[tuple[Any, ...]] = sheet.iter_rows(values_only=True)
            yield _Sheet(sheet.title, declared if isinstance(declared, int) else None, rows)

    return sheets(), workbook.close


def too_many_rows_reason(max_rows: int) -> str:
    return f"The list has more than {max_rows:,} rows; please split it into smaller lists.".replace(",", ".")
