"""How one client's debtor lists are read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from chalicelib.domain.debtor_list import DebtorType


@dataclass(frozen=True)
class ImportSettings:
    """Per-client reading options.

    `column_mapping` overrides the header synonyms: our field name (see
    `chalicelib.importing.headers.FIELDS`) -> the client's header text, e.g.
    `{"debtor_id": "Klant-ID", "open_amount": "Nog te ontvangen"}`.
    """

    default_debtor_type: DebtorType = DebtorType.BUSINESS
    column_mapping: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    max_bytes: int = 200 * 1024 * 1024
    max_rows: int = 2_000_000
    default_country: str = "NL"
    # Group members sharing an e-mail address or IBAN as one household (Client setting).
    group_households_by_contact: bool = False
