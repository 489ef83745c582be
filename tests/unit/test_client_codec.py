"""Client profiles as stored: new settings have defaults, the former business-costs flag is read."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from chalicelib.adapters.client_codec import client_from_dict, client_to_dict
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
