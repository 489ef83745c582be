"""Client profiles to and from the JSON stored in the table, including profiles saved by older
versions: a new setting has a default, a renamed one is translated here and nowhere else."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from stdnum import iban as iban_number

from chalicelib.domain.clients import BusinessCosts, Client
from chalicelib.domain.debtor_list import DebtorType

# The former yes/no setting for costs towards businesses, replaced by `business_costs`.
_FORMER_BUSINESS_MINIMUM_COSTS = "business_minimum_costs"


class InvalidClientProfile(ValueError):
    """A profile whose letter details cannot be printed as they are; the message names them."""


def profile_problems(client: Client) -> list[str]:
    """What keeps a profile from being stored: letterhead details a debtor would read wrong."""
    problems = client.letterhead_problems()
    if client.iban and not iban_number.is_valid(client.iban):
        problems.append("iban: not a valid IBAN")
    return problems


def client_to_dict(client: Client) -> dict[str, Any]:
    """The profile as stored; refuses one with a malformed KvK number, phone or IBAN, which
    every letter would print."""
    problems = profile_problems(client)
    if problems:
        raise InvalidClientProfile("; ".join(problems))
    data = asdict(client)
    data["default_debtor_type"] = client.default_debtor_type.value
    data["business_costs"] = BusinessCosts(client.business_costs).value
    return data


def client_from_dict(stored: dict[str, Any]) -> Client:
    data = dict(stored)
    data["default_debtor_type"] = DebtorType(data["default_debtor_type"])
    former = data.pop(_FORMER_BUSINESS_MINIMUM_COSTS, None)
    if "business_costs" in data:
        data["business_costs"] = BusinessCosts(data["business_costs"])
    elif former is not None:
        # A profile saved before the choice existed keeps charging what it charged: True was the
        # EUR 40 per late invoice (BW 6:96 lid 4), False was nothing. False was only a default,
        # but moving such a client to the scale would put amounts on its debtors' files that the
        # client never chose and its reminders never announced; the operator sets `business_costs`
        # to "scale" with the client (docs/deploy.md). A profile written without either field
        # (by hand, or a new client) gets the scale, the legal default.
        data["business_costs"] = BusinessCosts.MINIMUM if former else BusinessCosts.NONE
    return Client(**data)
