"""A client of Debtflow: a business or a club whose debtors we chase in its name."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from chalicelib.domain.arrangements import ArrangementRules
from chalicelib.domain.debtor_list import DebtorType


class FirstStep(StrEnum):
    """How dunning starts (DOMAIN.md §1.2): a friendly reminder, or straight to the pre-collection
    notice (for consumers the 14-day letter of BW 6:96 lid 6)."""

    REMINDER = "reminder"
    PRECOLLECTION_NOTICE = "precollection_notice"


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
    # How this client's exports name their columns, where the header synonyms do not know them:
    # our field name (chalicelib.importing.headers.FIELDS) -> the client's header text.
    column_mapping: dict[str, str] = field(default_factory=dict, hash=False)
    # Payment-arrangement limits (domain/arrangements.py); flat fields so stored profiles without
    # them load with the defaults.
    arrangement_max_installments: int = ArrangementRules.max_installments
    arrangement_min_installment_cents: int = ArrangementRules.min_installment_cents
    arrangement_approval_above_cents: int = ArrangementRules.approval_above_cents
    arrangement_approval_above_installments: int = ArrangementRules.approval_above_installments
    # Dunning settings, flat with defaults so older stored profiles load unchanged.
    first_step: str = FirstStep.REMINDER
    # Phone contact moments for the call team, every few days (DOMAIN.md §1.3).
    phone_contact: bool = False
    # How often a debtor may be contacted over all channels: the reference service's rhythm is
    # about 6 contact moments a month (DOMAIN.md §11).
    contact_moments_per_month: int = 6
    # Days the client has to decide (a hand-over, a dispute) before it is reminded.
    decision_days: int = 7
    # Reminders about a pending hand-over decision; after them the file goes on at the follow-up
    # rhythm (handing over stays the client's choice, never automatic).
    handover_reminders: int = 2
    # A copy of an invoice the debtor says never arrived starts a fresh term of this many days.
    invoice_copy_term_days: int = 14
    # A pause the client starts without choosing an end (e.g. "decline and pause") lasts this long.
    default_pause_days: int = 30
    # Charge businesses the EUR 40 minimum per late invoice (BW 6:96 lid 4): the client's choice.
    business_minimum_costs: bool = False
    # 21% VAT on collection costs only for a client that cannot deduct VAT and declares so (DOMAIN.md §3).
    costs_vat: bool = False
    # Presumed delivery of a posted letter, in post-delivery days [open]: PostNL delivery days are
    # being cut, so this is a setting, not a constant (DOMAIN.md §4).
    letter_receipt_offset_days: int = 2
    # The return address printed on letters.
    postal_address: str = ""  # lines separated by "\n"

    @property
    def arrangement_rules(self) -> ArrangementRules:
        return ArrangementRules(
            max_installments=self.arrangement_max_installments,
            min_installment_cents=self.arrangement_min_installment_cents,
            approval_above_cents=self.arrangement_approval_above_cents,
            approval_above_installments=self.arrangement_approval_above_installments,
        )
