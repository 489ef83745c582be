"""A client of Debtflow: a business or a club whose debtors we chase in its name."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from chalicelib.domain.arrangements import ArrangementRules
from chalicelib.domain.debtor_list import DebtorType

# A Dutch postcode at the start of an address line: `1234 AB`, `1234AB`.
_POSTCODE = re.compile(r"^\d{4}\s?[A-Za-z]{2}\s+")
_KVK = re.compile(r"\d{8}")
_PHONE = re.compile(r"\+?[0-9][0-9 -]{5,18}[0-9]")


class FirstStep(StrEnum):
    """How dunning starts (DOMAIN.md §1.2): a friendly reminder, or straight to the pre-collection
    notice (for consumers the 14-day letter of BW 6:96 lid 6)."""

    REMINDER = "reminder"
    PRECOLLECTION_NOTICE = "precollection_notice"


class BusinessCosts(StrEnum):
    """What a client charges its business debtors in collection costs (DOMAIN.md §3).

    The Besluit vergoeding voor buitengerechtelijke incassokosten applies to businesses too unless
    the client's terms say otherwise, and BW 6:96 lid 4 guarantees at least EUR 40 per late invoice,
    due the day after the due date without any reminder."""

    # The BIK scale over the summed principal of the late invoices, never less than EUR 40 each.
    SCALE = "scale"
    # Only the EUR 40 per late invoice of BW 6:96 lid 4: for clients whose terms say so.
    MINIMUM = "minimum"
    # The client waives collection costs towards businesses.
    NONE = "none"


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
    # How far ahead a debtor may promise to pay on the phone; a later date is an arrangement,
    # made as one (with its installments and the client's approval rules).
    promise_max_days: int = 30
    # Collection costs towards businesses; the scale is the legal default (DOMAIN.md §3). Profiles
    # stored with the former `business_minimum_costs` flag are translated when read
    # (adapters/client_codec.py).
    business_costs: BusinessCosts = BusinessCosts.SCALE
    # Statutory interest: None follows the default per debtor type, on for businesses (BW 6:119a:
    # from the day after the due date, without any notice) and off for consumers (BW 6:119 runs
    # from default, which for a consumer often needs a notice, BW 6:82, and clubs rarely claim it
    # on contributie: the client opts in). True or False forces it for all of its debtors.
    charge_interest: bool | None = None
    # A sports club collecting contributie: the [open] cap on collection costs for small recurring
    # consumer claims (chalicelib/data/collection_costs.json) applies to its consumer debtors.
    club: bool = False
    # Members without a payer column who share an e-mail address or IBAN form one household
    # (domain/households.py). Off by default: a shared address does not prove one payer.
    group_households_by_contact: bool = False
    # 21% VAT on collection costs only for a client that cannot deduct VAT and declares so (DOMAIN.md §3).
    costs_vat: bool = False
    # Presumed delivery of a posted letter, in post-delivery days [open]: PostNL delivery days are
    # being cut, so this is a setting, not a constant (DOMAIN.md §4).
    letter_receipt_offset_days: int = 2
    # The return address printed on letters.
    postal_address: str = ""  # lines separated by "\n"
    # The client's Chamber of Commerce number (8 digits) and a phone number debtors may call:
    # who the creditor is, for the letterhead and footer of a business letter (NEN 1026), the
    # dashboard and the agency's hand-over file. The e-mail is `reply_to_email`. None: not set
    # (`debtflow client update --phone none` clears it).
    kvk_number: str | None = None
    phone: str | None = None
    # Invoiced sales per calendar month ("YYYY-MM" -> cents), when the client states them: the
    # dashboard's DSO is then the countback DSO, otherwise the average days beyond terms.
    monthly_sales_cents: dict[str, int] = field(default_factory=dict, hash=False)
    # Letters go to the print-and-mail partner (S3 print/<date>/), which reports the day it posted
    # each one; a 14-day letter's term then runs from that day. Off: the client prints the
    # outbox itself and the step's day counts as the posting date.
    print_partner: bool = False

    @property
    def place(self) -> str:
        """The town a letter is dated from: the last line of the postal address without its
        postcode (`1234 AB  Amsterdam` -> `Amsterdam`); empty without an address."""
        lines = [line.strip() for line in self.postal_address.splitlines() if line.strip()]
        if not lines:
            return ""
        town = _POSTCODE.sub("", lines[-1]).strip()
        return town.title() if town.isupper() else town

    def letterhead_problems(self) -> list[str]:
        """What is wrong with the details printed on letters; empty when they can be printed."""
        problems = []
        if self.kvk_number and not _KVK.fullmatch(self.kvk_number):
            problems.append("kvk_number: a KvK number has 8 digits")
        if self.phone and not _PHONE.fullmatch(self.phone):
            problems.append("phone: digits, spaces, dashes and a leading + only")
        return problems

    def charges_interest(self, debtor_type: DebtorType) -> bool:
        """Whether statutory interest is charged to a debtor of this type: the client's setting,
        or by default only to businesses (BW 6:119a runs without notice; consumer interest under
        BW 6:119 is the client's choice)."""
        if self.charge_interest is not None:
            return self.charge_interest
        return debtor_type is DebtorType.BUSINESS

    @property
    def arrangement_rules(self) -> ArrangementRules:
        return ArrangementRules(
            max_installments=self.arrangement_max_installments,
            min_installment_cents=self.arrangement_min_installment_cents,
            approval_above_cents=self.arrangement_approval_above_cents,
            approval_above_installments=self.arrangement_approval_above_installments,
        )
