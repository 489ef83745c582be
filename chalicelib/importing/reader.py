"""`read_debtor_list`: a client's debtor list in, invoice lines and rejected rows out, streaming.

Whole-file problems raise `UnreadableList`:
- from `read_debtor_list()` itself: an empty file, binary garbage, a web page, an old .xls, an
  .ods, an .xlsx that is not a zip, a zip bomb, no recognisable header (naming the missing
  columns), a seekable stream over `max_bytes`;
- while iterating: more than `max_rows` rows, an unseekable stream that turns out larger than
  `max_bytes`, a CSV that the csv module cannot continue (an unclosed quote swallowing the file).
Everything else is per row: a `RejectedRow` in file order among the `InvoiceLine`s.
"""

from __future__ import annotations

import logging
import os
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from typing import BinaryIO
from xml.etree.ElementTree import ParseError
from xml.parsers.expat import ExpatError

from defusedxml import DefusedXmlException

from chalicelib.domain.debtor_list import InvoiceLine, RejectedRow
from chalicelib.importing.csv_source import (
    SAMPLE_BYTES,
    PrefixedStream,
    UnreadableRow,
    csv_rows,
    sniff_layout,
    too_big_reason,
)
from chalicelib.importing.errors import ListStorageFailure, UnreadableList
from chalicelib.importing.headers import ColumnMatch
from chalicelib.importing.rows import RowInterpreter
from chalicelib.importing.settings import ImportSettings
from chalicelib.importing.xlsx_source import (
    XLS_MAGIC,
    ZIP_MAGIC,
    XlsxSource,
    seekable_copy,
    too_many_rows_reason,
)

_XLSX_SUFFIXES = (".xlsx", ".xlsm")
# Raised on purpose, or not about the file: these pass unchanged; anything else a parser raises
# means the file is damaged.
_NOT_DAMAGE = (UnreadableList, ListStorageFailure, MemoryError)

logger = logging.getLogger(__name__)


class DebtorListReader:
    """Iterate once to get `InvoiceLine | RejectedRow` in file order; bounded memory."""

    def __init__(
        self,
        rows: Iterator[tuple[int, list[object]]] | Iterator[tuple[int, list[str] | UnreadableRow]],
        header: tuple[str, ...],
        match: ColumnMatch,
        settings: ImportSettings,
        format: str,
        encoding: str | None,
        delimiter: str | None,
    ) -> None:
        self.header = header
        self.columns: Mapping[str, str] = {name: header[index] for name, index in match.indexes.items()}
        self.format = format
        self.encoding = encoding
        self.delimiter = delimiter
        self.rows_seen = 0  # rows read below the header, blank and total rows included
        self._rows = rows
        self._settings = settings
        self._interpreter = RowInterpreter(header, match.indexes, settings)
        self._started = False

    def __iter__(self) -> Iterator[InvoiceLine | RejectedRow]:
        if self._started:
            raise RuntimeError("a debtor list can be read only once")
        self._started = True
        return self._outcomes()

    def _outcomes(self) -> Iterator[InvoiceLine | RejectedRow]:
        interpret = self._interpreter.interpret
        max_rows = self._settings.max_rows
        seen = 0
        line = 0
        try:
            for line, cells in self._rows:
                seen += 1
                if seen > max_rows:
                    raise UnreadableList(too_many_rows_reason(max_rows))
                if type(cells) is UnreadableRow:
                    self.rows_seen = seen
                    yield RejectedRow(line=line, column=None, reason=cells.reason)
                    continue
                try:
                    outcome = interpret(line, cells)  # type: ignore[arg-type]
                except Exception as error:
                    outcome = _uninterpretable(line, error)
                if outcome is not None:
                    self.rows_seen = seen
                    yield outcome
        except _NOT_DAMAGE:
            raise
        except Exception as error:
            raise UnreadableList(damaged_reason(error, self.format, line or None)) from error
        finally:
            self.rows_seen = seen


def _uninterpretable(line: int, error: Exception) -> RejectedRow:
    """A row our own reading fails on costs that row, not the list. Logged with the line and the
    kind of error only: the cells are personal data."""
    logger.error("row %d of a debtor list could not be interpreted: %s", line, type(error).__name__)
    return RejectedRow(line=line, column=None, reason="this row could not be read; check its cells")


def damaged_reason(error: Exception, format: str, last_line: int | None) -> str:
    """Why a parser gave up, in the client's words: which kind of damage and how far it got."""
    if format == "xlsx":
        if isinstance(error, zipfile.BadZipFile | zlib.error | EOFError):
            kind = "its compressed data is broken or cut off"
        elif isinstance(error, ParseError | ExpatError | DefusedXmlException):
            kind = "its sheet data (XML) is broken"
        else:
            kind = "it holds data an Excel export does not"
        where = f"it cannot be read beyond row {last_line}" if last_line else "it cannot be opened"
        return (
            f"This Excel file is damaged: {where} ({kind}). Open it in Excel and save it again, "
            "or export the list again as .xlsx or CSV."
        )
    kind = "its characters are not valid text" if isinstance(error, UnicodeError) else "it holds broken data"
    where = f"cannot be read beyond line {last_line}" if last_line else "cannot be read"
    return (
        f"This file is damaged and {where} ({kind}). Export the list again as CSV (UTF-8) or Excel (.xlsx)."
    )


def read_debtor_list(stream: BinaryIO, filename: str, settings: ImportSettings) -> DebtorListReader:
    """Open a debtor list (CSV/TSV in any common Dutch encoding, or .xlsx) for streaming.

    The format is told by the content, the filename only breaks ties: exports named `.xls` are
    often tab-separated text, and a `.csv` that is really a zip is an Excel file.
    """
    _check_size(stream, settings.max_bytes)
    sample = stream.read(SAMPLE_BYTES)
    if not sample:
        raise UnreadableList("The file is empty: it holds no header and no rows.")
    suffix = os.path.splitext(filename.lower())[1]
    if sample.startswith(XLS_MAGIC):
        raise UnreadableList(
            "Old Excel 97-2003 (.xls) files are not supported; save the list as .xlsx or CSV "
            "and upload it again."
        )
    if sample.startswith(b"%PDF"):
        raise UnreadableList("This is a PDF; we need the list itself: export it as CSV or Excel (.xlsx).")
    try:
        return _open(stream, sample, suffix, settings)
    except _NOT_DAMAGE:
        raise
    except Exception as error:
        format = "xlsx" if sample.startswith(ZIP_MAGIC) else "csv"
        raise UnreadableList(damaged_reason(error, format, None)) from error


def _open(stream: BinaryIO, sample: bytes, suffix: str, settings: ImportSettings) -> DebtorListReader:
    if sample.startswith(ZIP_MAGIC):
        source = XlsxSource(seekable_copy(stream, sample, settings.max_bytes), settings.column_mapping,
                            settings.max_rows)  # fmt: skip
        layout = source.layout
        return DebtorListReader(source.rows(), layout.header, layout.match, settings, "xlsx", None, None)
    if suffix in _XLSX_SUFFIXES:
        raise UnreadableList(
            "This file is named .xlsx but is not an Excel workbook; export the list again as .xlsx or CSV."
        )
    if suffix == ".ods":
        raise UnreadableList(
            "OpenDocument (.ods) files are not supported; save the list as Excel (.xlsx) or CSV."
        )
    complete = len(sample) < SAMPLE_BYTES
    csv_layout = sniff_layout(sample, complete, settings.column_mapping)
    rows = csv_rows(PrefixedStream(sample, stream, settings.max_bytes), csv_layout)
    return DebtorListReader(
        rows, csv_layout.header, csv_layout.match, settings, "csv", csv_layout.encoding, csv_layout.delimiter
    )


def _check_size(stream: BinaryIO, max_bytes: int) -> None:
    try:
        if not stream.seekable():
            return
        start = stream.tell()
        size = stream.seek(0, os.SEEK_END) - start
        stream.seek(start)
    except (OSError, ValueError):
        return  # a stream that claims to seek but cannot: counted while reading instead
    if size > max_bytes:
        raise UnreadableList(too_big_reason(max_bytes))
