"""Households: club members whose contributie one payer pays (a parent for three children).

The payer gets one message naming each member and their items, with one payment link for the
total; a payment through it is divided over the members' items oldest first, and each member's
dossier receives its own share (and keeps its own audit trail and legal allocation, BW 6:44).
Pure rules; the services load and save the member dossiers one by one."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from chalicelib.domain.debtor_list import DebtorDetails
from chalicelib.domain.dossier import Dossier


def _normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum())


def household_key(debtor: DebtorDetails, *, group_by_shared_contact: bool = False) -> str | None:
    """Which household a member belongs to: the payer named on the club's list (by the payer's
    e-mail address, else the payer's name); without a payer, and only when the client asked for
    it, the member's own e-mail address or IBAN shared with siblings. None: the member pays alone.
    A hash, so that no personal data travels in keys, links or logs."""
    if debtor.payer_email:
        basis = "payer-email:" + debtor.payer_email.strip().casefold()
    elif debtor.payer and _normalise(debtor.payer):
        basis = "payer:" + _normalise(debtor.payer)
    elif group_by_shared_contact and debtor.email:
        basis = "email:" + debtor.email.strip().casefold()
    elif group_by_shared_contact and debtor.iban:
        basis = "iban:" + debtor.iban.replace(" ", "").upper()
    else:
        return None
    return "hh-" + hashlib.sha256(basis.encode()).hexdigest()[:16]


def households(
    debtors: Iterable[DebtorDetails], *, group_by_shared_contact: bool = False
) -> dict[str, tuple[str, ...]]:
    """Households of two or more members: key -> their debtor ids, sorted. A payer with one
    member is no household: that member is chased as ever."""
    members: dict[str, set[str]] = {}
    for debtor in debtors:
        key = household_key(debtor, group_by_shared_contact=group_by_shared_contact)
        if key is not None:
            members.setdefault(key, set()).add(debtor.debtor_id)
    return {key: tuple(sorted(ids)) for key, ids in sorted(members.items()) if len(ids) > 1}


@dataclass(frozen=True)
class HouseholdItem:
    """One member's share of a household link as it was issued: an open item, or (number "")
    the member's collection costs and interest, which go before its items (BW 6:44)."""

    debtor_id: str
    number: str
    due_date: date
    cents: int


def household_items(members: Sequence[Dossier]) -> tuple[HouseholdItem, ...]:
    """What a household link asks for, oldest first across the members: each member's chased
    items (disputed ones wait and are left out) with its costs and interest just before its
    oldest item."""
    items: list[HouseholdItem] = []
    for dossier in members:
        chased = dossier.chased_invoices
        if not chased:
            continue
        charges = dossier.open_costs_cents + dossier.open_interest_cents
        if charges:
            items.append(HouseholdItem(dossier.debtor_id, "", chased[0].due_date, charges))
        items += [HouseholdItem(dossier.debtor_id, i.number, i.due_date, i.open_cents) for i in chased]
    # Costs sort before the items of the same day ("" < any number).
    return tuple(sorted(items, key=lambda i: (i.due_date, i.debtor_id, i.number)))


def allocate_over_members(amount_cents: int, items: Sequence[HouseholdItem]) -> dict[str, int]:
    """Each member's share of a payment through the household link: oldest item first across the
    members, as the link listed them. What is paid beyond the total goes to the member of the
    newest item (its dossier records the overpayment for the club to refund)."""
    shares: dict[str, int] = {}
    left = amount_cents
    for item in items:
        paid = min(left, item.cents)
        if paid:
            shares[item.debtor_id] = shares.get(item.debtor_id, 0) + paid
        left -= paid
    if left > 0 and items:
        shares[items[-1].debtor_id] = shares.get(items[-1].debtor_id, 0) + left
    return shares
