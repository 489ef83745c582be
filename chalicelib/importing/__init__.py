"""Reading clients' debtor lists (CSV, .xlsx) into invoice lines and rejected rows."""

from chalicelib.importing.errors import UnreadableList
from chalicelib.importing.reader import DebtorListReader, read_debtor_list
from chalicelib.importing.settings import ImportSettings

__all__ = ["DebtorListReader", "ImportSettings", "UnreadableList", "read_debtor_list"]
