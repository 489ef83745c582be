"""Rows of a CSV (or tab-separated) export, read as a stream.

Dutch exports come as UTF-8 with or without a byte-order mark, or as Windows-1252 (`€` is byte
0x80, `é` 0xE9); separated by `;` (Excel with Dutch regional settings), `,` (Moneybird, English
tools) or tabs. The delimiter is chosen by which one turns a row near the top into a recognisable
header, so a title line above the header does not confuse it.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import BinaryIO

from chalicelib.importing.errors import ListStorageFailure, UnreadableList
from chalicelib.importing.headers import ColumnMatch, find_header

SAMPLE_BYTES = 64 * 1024
# A quoted cell may span lines (an address with line breaks); one spanning more than this is a
# quote that was opened and never closed, swallowing the rows below it.
MAX_LINES_PER_RECORD = 20
HEADER_SCAN_ROWS = 20
DELIMITERS = (";", "\t", ",", "|")
# Hand-edited exports put a space after the separator, also before a quoted cell
# (`; "€ 1.234,56"`): without skipping it the quotes would be read as part of the amount.
SKIP_INITIAL_SPACE = True
_FALLBACK_ERRORS = "debtflow-cp1252-fallback"


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    """A UTF-8 file with a few Windows-1252 bytes (a list pasted together from two tools): read
    those bytes as Windows-1252 instead of failing on row 40,000. Bytes that Windows-1252 leaves
    undefined (0x81, 0x8D, ...) are read as Latin-1."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in bad), error.end


codecs.register_error(_FALLBACK_ERRORS, _cp1252_fallback)


class PrefixedStream(io.RawIOBase):
    """The bytes already sniffed, then the rest of the caller's stream; it never closes that stream.

    Counts what it reads so an unseekable stream over `max_bytes` is stopped while streaming.
    """

    def __init__(self, prefix: bytes, rest: BinaryIO, max_bytes: int) -> None:
        super().__init__()
        self._prefix = memoryview(prefix)
        self._rest = rest
        self._max_bytes = max_bytes
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._prefix:
            size = min(len(buffer), len(self._prefix))
            buffer[:size] = self._prefix[:size]
            self._prefix = self._prefix[size:]
        else:
            try:
                data = self._rest.read(len(buffer))
            except Exception as error:
                raise ListStorageFailure(f"reading the list failed: {type(error).__name__}") from error
            size = len(data)
            buffer[:size] = data
        self.bytes_read += size
        if self.bytes_read > self._max_bytes:
            raise UnreadableList(too_big_reason(self._max_bytes))
        return size


def too_big_reason(max_bytes: int) -> str:
    return f"The file is larger than {max_bytes // (1024 * 1024)} MB; please split it into smaller lists."


def detect_encoding(sample: bytes) -> str:
    """`utf-8-sig` with a BOM, `utf-16` with its BOM, `utf-8` if the sample decodes, else cp1252."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def looks_binary(sample: bytes, encoding: str) -> bool:
    """NUL bytes or many control characters: an image, a PDF, a database file; not a list."""
    if encoding == "utf-16":
        return False
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample[:4096] if b < 32 and b not in (9, 10, 13))
    return controls > len(sample[:4096]) // 100


@dataclass(frozen=True)
class CsvLayout:
    encoding: str
    delimiter: str
    header_position: int  # records (blank and title lines included) before the header
    header: tuple[str, ...]
    match: ColumnMatch


def sniff_layout(sample: bytes, complete: bool, column_mapping: Mapping[str, str]) -> CsvLayout:
    """Encoding, delimiter and header position from the first bytes of the file."""
    encoding = detect_encoding(sample)
    if looks_binary(sample, encoding):
        raise UnreadableList(
            "This is not a list we can read: upload a CSV export or an Excel (.xlsx) file "
            "of your open invoices."
        )
    text = sample.decode(encoding, errors=_FALLBACK_ERRORS)
    if not complete:
        text = text[: text.rfind("\n") + 1] or text  # the last line may be cut off mid-row
    if text.lstrip()[:1] == "<":
        raise UnreadableList(
            "This file is a web page (HTML/XML), not a list: export your open invoices "
            "as CSV or Excel (.xlsx)."
        )
    best: tuple[int, CsvLayout] | None = None
    partial: ColumnMatch | None = None
    for delimiter in DELIMITERS:
        records = []
        for record in csv.reader(
            io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=SKIP_INITIAL_SPACE
        ):
            records.append([cell.strip() for cell in record])
            if len(records) >= HEADER_SCAN_ROWS:
                break
        found = find_header(records, column_mapping)
        if found is None:
            continue
        position, match = found
        if position < 0:
            if partial is None or len(match.indexes) > len(partial.indexes):
                partial = match
            continue
        layout = CsvLayout(encoding, delimiter, position, tuple(records[position]), match)
        if best is None or len(match.indexes) > best[0]:
            best = (len(match.indexes), layout)
    if best is not None:
        return best[1]
    if not text.strip():
        raise UnreadableList("The file is empty: it holds no header and no rows.")
    raise UnreadableList(missing_header_reason(partial))


def missing_header_reason(partial: ColumnMatch | None) -> str:
    if partial is None or not partial.indexes:
        return (
            "We found no header row with recognisable column names in the first rows; the list needs "
            "at least a debtor number, a debtor name, an invoice number, a due date and an open amount."
        )
    return (
        f"The header row lacks required columns: {partial.describe_missing()}. "
        f"Headers found: {partial.describe_found()}. Rename the column in the export, or have its "
        "name added to your column mapping."
    )


class UnreadableRow:
    """Stands in for the cells of one record the csv module refused; the reader reports it as a
    rejected row and goes on with the next line."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


def csv_rows(stream: PrefixedStream, layout: CsvLayout) -> Iterator[tuple[int, list[str] | UnreadableRow]]:
    """(line number, cells) of every record after the header, blank lines included.

    The line number is the physical line where the record starts, as a text editor or a
    spreadsheet shows it (a quoted cell spanning lines makes the next record start further down).
    A record with a cell over the csv module's field limit comes as an `UnreadableRow`.
    """
    text = io.TextIOWrapper(
        io.BufferedReader(stream, buffer_size=256 * 1024),
        encoding=layout.encoding,
        errors=_FALLBACK_ERRORS,
        newline="",
    )
    reader = csv.reader(text, delimiter=layout.delimiter, skipinitialspace=SKIP_INITIAL_SPACE)
    previous_line = 0
    position = -1
    while True:
        # The csv reader goes on with the next line after an error, so one refused record costs
        # one rejected row; the loop is re-entered after each error.
        try:
            for cells in reader:
                position += 1
                line = previous_line + 1
                previous_line = reader.line_num
                if previous_line - line >= MAX_LINES_PER_RECORD:
                    raise UnreadableList(unclosed_quote_reason(line))
                if position > layout.header_position:
                    yield line, cells
            return
        except csv.Error as error:
            position += 1
            line = previous_line + 1
            previous_line = reader.line_num
            if not str(error).startswith("field larger than field limit"):
                raise UnreadableList(
                    f"Line {line} cannot be read as CSV; save the list again as CSV from your "
                    "accounting package, or as Excel (.xlsx)."
                ) from None
            if previous_line > line:
                # A cell that grew over many lines up to the limit: an opened quote, not a long name.
                raise UnreadableList(unclosed_quote_reason(line)) from None
            if position > layout.header_position:
                yield line, UnreadableRow(too_long_cell_reason())


def too_long_cell_reason() -> str:
    limit = f"{csv.field_size_limit():,}".replace(",", ".")
    return (
        f"a cell on this line holds more than {limit} characters, far more than any field of a "
        "debtor list; shorten it or leave that column out of the export"
    )


def unclosed_quote_reason(line: int) -> str:
    return (
        f'Line {line} opens a quote (") that is not closed within {MAX_LINES_PER_RECORD} lines, so '
        "the rows below it cannot be told apart. Remove the quote or put the cell between two quotes."
    )
