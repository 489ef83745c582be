"""The client directory on DynamoDB (moto): profiles saved before the money settings still load."""

from __future__ import annotations

import json
from dataclasses import replace

from chalicelib.adapters.client_codec import client_to_dict
from chalicelib.adapters.dynamodb_repository import DynamoClientDirectory
from chalicelib.adapters.table import ClientItem
from chalicelib.domain.clients import BusinessCosts
from infra.local.provision import Provisioned
from tests.builders import CLUB


def test_a_profile_saved_with_the_former_minimum_costs_flag_loads_as_the_minimum(aws: Provisioned) -> None:
    data = client_to_dict(CLUB)
    for name in ("business_costs", "charge_interest", "club"):
        data.pop(name)
    data["business_minimum_costs"] = True
    ClientItem(f"CLIENT#{CLUB.client_id}", "PROFILE", body=json.dumps(data)).save()
    ClientItem("CLIENTS", CLUB.client_id, body=json.dumps(data)).save()

    directory = DynamoClientDirectory()
    loaded = directory.get(CLUB.client_id)
    assert loaded == replace(CLUB, business_costs=BusinessCosts.MINIMUM)
    assert directory.all() == [loaded]


def test_the_money_settings_survive_a_save(aws: Provisioned) -> None:
    client = replace(CLUB, business_costs=BusinessCosts.NONE, charge_interest=False, club=True)
    DynamoClientDirectory().save(client)
    assert DynamoClientDirectory().get(CLUB.client_id) == client
