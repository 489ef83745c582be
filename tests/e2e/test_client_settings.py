"""The client's settings through the real handlers on moto: everyone of the client reads them, an
owner changes them with the same checks as `debtflow client update`, a bad value answers 400 naming
the setting, and another client's settings answer 404."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib import bootstrap
from infra.local.demo_data import DEMO_CLIENT
from infra.local.login_pool import add_user, id_token
from tests.e2e.conftest import Pipeline

CLIENT = DEMO_CLIENT.client_id
PATH = f"/clients/{CLIENT}/settings"


def put(pipeline: Pipeline, body: Any, headers: dict[str, str] | None = None, path: str = PATH) -> Any:
    text = body if isinstance(body, str) else json.dumps(body)
    return pipeline.chalice.http.put(path, headers=headers or pipeline.owner, body=text)


def test_the_settings_read_as_stored_and_an_owner_changes_them(pipeline: Pipeline) -> None:
    read = pipeline.chalice.http.get(PATH, headers=pipeline.owner)
    assert read.status_code == 200
    shown = json.loads(read.body)
    assert shown["settings"] == {
        "name": "Sportpark De Zwaluwen",
        "reply_to_email": "administratie@dezwaluwen.example",
        "postal_address": "Sportparklaan 4\n3521 AB  Utrecht",
        "iban": "NL91ABNA0417164300",
        "kvk_number": "40481234",
        "phone": DEMO_CLIENT.phone,
        "phone_contact": False,
        "charge_interest": None,
        "business_costs": "scale",
        "costs_vat": False,
    }
    assert shown["choices"]["business_costs"] == ["scale", "minimum", "none"]

    changed = put(
        pipeline,
        {
            "reply_to_email": "penningmeester@zwaluwen.example",
            "iban": "NL02 ABNA 0123 4567 89",
            "kvk_number": "1234 5678",
            "business_costs": "minimum",
            "charge_interest": False,
            "phone_contact": True,
        },
    )
    assert changed.status_code == 200, changed.body
    answer = json.loads(changed.body)
    assert sorted(answer["changed"]) == [
        "business_costs",
        "charge_interest",
        "iban",
        "kvk_number",
        "phone_contact",
        "reply_to_email",
    ]
    stored = bootstrap.client_directory().get(CLIENT)
    assert stored is not None
    assert (stored.reply_to_email, stored.iban, stored.kvk_number) == (
        "penningmeester@zwaluwen.example",
        "NL02ABNA0123456789",
        "12345678",
    )
    assert (stored.business_costs, stored.charge_interest, stored.phone_contact) == ("minimum", False, True)
    # Untouched settings stay as they were.
    assert stored.sender_email == DEMO_CLIENT.sender_email and stored.name == DEMO_CLIENT.name


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"iban": "NL91ABNA0417164301"}, "iban"),
        ({"kvk_number": "1234"}, "kvk_number: '1234' is not a KvK number (8 digits)"),
        ({"reply_to_email": "geen adres"}, "reply_to_email"),
        ({"business_costs": "alles"}, "business_costs: choose one of scale, minimum, none"),
        ({"sender_email": "x@y.example"}, "'sender_email' cannot be changed here"),
        ({"phone_contact": 3}, '"phone_contact" must be text, true/false or null'),
        ({}, "send the settings to change as a JSON object"),
        ("{niet json", "the body is not JSON"),
    ],
)
def test_a_bad_value_answers_400_naming_the_setting_and_nothing_changes(
    pipeline: Pipeline, body: Any, message: str
) -> None:
    response = put(pipeline, body)
    assert response.status_code == 400, response.body
    assert message in json.loads(response.body)["message"]
    assert bootstrap.client_directory().get(CLIENT) == DEMO_CLIENT


def test_a_viewer_reads_but_may_not_change_and_another_client_answers_404(pipeline: Pipeline) -> None:
    add_user(pipeline.login, "kijker@zwaluwen.example", "Viewer-Passw0rd-1", CLIENT, "viewer")
    viewer = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {id_token(pipeline.login, 'kijker@zwaluwen.example', 'Viewer-Passw0rd-1')}",
    }
    assert pipeline.chalice.http.get(PATH, headers=viewer).status_code == 200
    assert put(pipeline, {"name": "Overgenomen"}, viewer).status_code == 403
    other = "/clients/vv-de-kievit/settings"
    assert pipeline.chalice.http.get(other, headers=pipeline.owner).status_code == 404
    assert put(pipeline, {"name": "Overgenomen"}, path=other).status_code == 404
    assert pipeline.chalice.http.get(PATH).status_code == 401
    assert bootstrap.client_directory().get(CLIENT) == DEMO_CLIENT
