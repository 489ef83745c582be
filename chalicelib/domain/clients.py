"""A client of Debtflow: a business or a club whose debtors we chase in its name."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.debtor_list import DebtorType


@dataclass(frozen=True)
class Client:
    client_id: str
    name: str
    sender_email: str
    reply_to_email: str
    # The thank-you page a debtor lands on after paying.
    redirect_url: str
    # The SSM SecureString parameter holding this client's Mollie API key: the key itself never
    # lives in the table, in code or in logs.
    mollie_key_parameter: str
    language: str = "nl"
    default_debtor_type: DebtorType = DebtorType.BUSINESS
    policy: str = "default"
    iban: str | None = None
