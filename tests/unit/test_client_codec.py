"""Client profiles as stored: new settings have defaults, the former business-costs flag is read."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from chalicelib.adapters.client_codec import InvalidClientProfile, client_from_dict, client_to_dict
from chalicelib.domain.clients import BusinessCosts
from tests.builders import CLUB


def stored(**changes: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(client_to_dict(CLUB)))
    for name in ("business_costs", "charge_interest", "club"):
        data.pop(name)
    data.update(changes)
    return data


def test_a_profile_round_trips_through_json() -> None:
    client = replace(CLUB, business_costs=BusinessCosts.MINIMUM, charge_interest=True, club=True)
    assert client_from_dict(json.loads(json.dumps(client_to_dict(client)))) == client


def test_a_profile_without_the_new_settings_gets_the_legal_defaults() -> None:
    client = client_from_dict(stored())
    assert (client.business_costs, client.charge_interest, client.club) == (BusinessCosts.SCALE, None, False)


@pytest.mark.parametrize(("former", "setting"), [(True, BusinessCosts.MINIMUM), (False, BusinessCosts.NONE)])
def test_a_profile_saved_with_the_former_flag_keeps_charging_what_it_charged(
    former: bool, setting: BusinessCosts
) -> None:
    assert client_from_dict(stored(business_minimum_costs=former)).business_costs is setting


def test_the_new_setting_wins_over_the_former_flag() -> None:
    data = stored(business_minimum_costs=False, business_costs="scale")
    assert client_from_dict(data).business_costs is BusinessCosts.SCALE


def test_the_letterhead_settings_round_trip_and_name_the_town_letters_are_dated_from() -> None:
    client = replace(
        CLUB,
        postal_address="Sportlaan 1\n1234 AB  AMSTERDAM",
        kvk_number="40123456",
        phone="+31 20 123 4567",
        iban="NL91ABNA0417164300",
    )
    assert client_from_dict(json.loads(json.dumps(client_to_dict(client)))) == client
    assert client.place == "Amsterdam"
    assert replace(CLUB, postal_address="").place == ""


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"kvk_number": "4012345"}, "kvk_number"),
        ({"phone": "bel ons"}, "phone"),
        ({"iban": "NL91ABNA0417164301"}, "iban"),
    ],
)
def test_a_profile_whose_letterhead_would_print_wrong_is_not_stored(
    change: dict[str, str], problem: str
) -> None:
    with pytest.raises(InvalidClientProfile, match=problem):
        client_to_dict(replace(CLUB, **change))
