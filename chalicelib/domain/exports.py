"""The cells of a client's exports (dossiers, payments), safe to open in a spreadsheet.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula, and a TAB, CR or
LF in front does not stop Excel from doing so (`"\\t=HYPERLINK(...)"`): a debtor name from a
client's list could phone home or run a command on the treasurer's machine. Every text cell is
therefore prefixed with `'` when it starts with one of them (OWASP, CSV injection); amounts and
dates stay numbers and dates, so they can be summed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


@dataclass(frozen=True)
class Euros:
    """An amount in a cell: cents, shown as euros (a number, never text)."""

    cents: int

    @property
    def decimal_comma(self) -> str:
        """`1234,56`, `-12,50`: as Dutch Excel reads a number from a semicolon CSV."""
        sign = "-" if self.cents < 0 else ""
        whole, rest = divmod(abs(self.cents), 100)
        return f"{sign}{whole},{rest:02d}"

    @property
    def euros(self) -> float:
        return self.cents / 100


Cell = str | int | Euros | date | None


def neutralised(text: str) -> str:
    """Text that a spreadsheet shows as text, never runs as a formula."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_cell(value: Cell) -> str:
    """One cell of a semicolon CSV for Dutch Excel: decimal comma, ISO dates, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, Euros):
        return value.decimal_comma
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return neutralised(value)
