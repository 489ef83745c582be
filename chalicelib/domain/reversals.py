"""Reversed direct debits (storno): a SEPA direct debit the member's bank sent back, with the bank's
reason code. The reversed amount is owed again; the reason codes and their plain words are data
(chalicelib/data/return_reasons.json)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

# ISO 20022 reason codes are four capitals or digits (AM04, MD06, FOCR).
REASON_CODE_LENGTH = 4


@dataclass(frozen=True)
class ReversedDebit:
    """One direct debit that came back.

    `debtor_id` is the member: clubs use the member number as the mandate reference
    (machtigingskenmerk), which every reject file carries. `reference` is the end-to-end id the club
    gave the collection; `invoice_number` the club's own item when the file names one."""

    debtor_id: str
    amount_cents: int
    reason_code: str
    collected_on: date
    reference: str
    name: str | None = None
    iban: str | None = None
    email: str | None = None
    invoice_number: str | None = None

    @property
    def item_number(self) -> str:
        """The dossier's invoice for this reversal: the club's item, else the collection's id."""
        return self.invoice_number or self.reference


@dataclass(frozen=True)
class ReturnReason:
    code: str
    nl: str
    en: str
    # False: the member is not messaged about it; the club decides (e.g. MD07, deceased).
    chase: bool
    known: bool = True

    def words(self, language: str) -> str:
        return self.en if language == "en" else self.nl


@cache
def _data() -> dict[str, Any]:
    text = resources.files("chalicelib").joinpath("data").joinpath("return_reasons.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def return_reason(code: str) -> ReturnReason:
    """The plain words for a bank's reason code; an unknown code still reads as a sentence."""
    data = _data()
    found = data["codes"].get(code)
    if found is None:
        unknown = data["unknown"]
        return ReturnReason(code, unknown["nl"], unknown["en"], bool(unknown["chase"]), known=False)
    return ReturnReason(code, found["nl"], found["en"], bool(found["chase"]))


def known_reason_codes() -> tuple[str, ...]:
    return tuple(_data()["codes"])


def is_reason_code(text: str) -> bool:
    return len(text) == REASON_CODE_LENGTH and text.isascii() and text.isalnum() and text.upper() == text


def explanation(code: str, *, amount: str, collected_on: str, reference: str, language: str) -> str:
    """The sentence a member's first message opens with: what the bank did, and why, in plain words."""
    lang = "en" if language == "en" else "nl"
    sentence: str = _data()["sentence"][lang]
    return sentence.format(
        amount=amount,
        date=collected_on,
        reference=reference,
        reason=return_reason(code).words(lang),
        code=code,
    )
