"""Rows of an Excel (.xlsx) export, streamed with openpyxl's read-only mode.

openpyxl has no guard against zip bombs (a 0.15 MB file that inflates to 49 MB of sheet XML and a
million rows, ARCHITECTURE.md): the zip directory is checked before openpyxl opens the file. The
declared sizes can be trusted because zipfile stops reading an entry at its declared size and
fails on the CRC. With defusedxml installed openpyxl refuses XML entity bombs.
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Iterator, Mapping
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


def check_zip(stream: IO[bytes], max_uncompressed: int = MAX_UNCOMPRESSED_BYTES) -> None:
    """Refuse what is not an xlsx, and zip bombs, by reading only the zip directory."""
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


class XlsxSource:
    """Finds the header on the first sheet that has one and streams the rows below it."""

    def __init__(self, stream: IO[bytes], column_mapping: Mapping[str, str], max_rows: int) -> None:
        check_zip(stream)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "no default style": harmless in exports
                # Imported here: only .xlsx uploads pay openpyxl's start-up (a Lambda cold start).
                import openpyxl

                self._workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
        except UnreadableList:
            raise
        except Exception:  # openpyxl raises KeyError, ValueError, XML errors... for broken files
            raise UnreadableList(NOT_XLSX) from None
        partial: ColumnMatch | None = None
        for sheet in self._workbook.worksheets:
            declared_rows = getattr(sheet, "max_row", None)
            if isinstance(declared_rows, int) and declared_rows > max_rows + HEADER_SCAN_ROWS:
                raise UnreadableList(too_many_rows_reason(max_rows))
            rows: Iterator[tuple[Any, ...]] = sheet.iter_rows(values_only=True)
            top: list[tuple[Any, ...]] = []
            for row in rows:
                top.append(row)
                if len(top) >= HEADER_SCAN_ROWS:
                    break
            texts = [["" if cell is None else str(cell).strip() for cell in row] for row in top]
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
            self._rest = rows
            return
        self._workbook.close()
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
            for row in self._rest:
                yield line, ["" if cell is None else cell for cell in row]
                line += 1
        finally:
            self._workbook.close()


def too_many_rows_reason(max_rows: int) -> str:
    return f"The list has more than {max_rows:,} rows; please split it into smaller lists.".replace(",", ".")
