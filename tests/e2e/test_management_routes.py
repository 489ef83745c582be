"""The operator routes answer malformed or impossible requests with a 4xx and a message, never a 500."""

from __future__ import annotations

import json

import pytest

from infra.local.demo_data import DEMO_CLIENT
from tests.e2e.conftest import Pipeline

JSON = {"Content-Type": "application/json"}
CLIENT = DEMO_CLIENT.client_id


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "message"),
    [
        ("POST", f"/clients/{CLIENT}/dossiers/10001/handover", "{not json", 400, "Error Parsing JSON"),
        (
            "POST",
            f"/clients/{CLIENT}/dossiers/10001/handover",
            json.dumps({"decision": "maybe"}),
            400,
            "decision",
        ),
        (
            "POST",
            f"/clients/{CLIENT}/dossiers/10001/handover",
            json.dumps({"decision": "approve"}),
            409,
            "cannot",
        ),
        (
            "POST",
            f"/clients/{CLIENT}/dossiers/99999/handover",
            json.dumps({"decision": "approve"}),
            404,
            "99999",
        ),
        (
            "POST",
            "/clients/onbekend/dossiers/1/handover",
            json.dumps({"decision": "approve"}),
            404,
            "onbekend",
        ),
        (
            "POST",
            f"/clients/{CLIENT}/dossiers/10001/arrangement",
            json.dumps({"installments": "x"}),
            400,
            "whole",
        ),
        (
            "POST",
            f"/clients/{CLIENT}/dossiers/99999/arrangement",
            json.dumps({"installments": 3}),
            404,
            "99999",
        ),
        (
            "POST",
            f"/clients/{CLIENT}/dossiers/10001/calls/nope",
            json.dumps({"outcome": "reached"}),
            404,
            "nope",
        ),
        (
            "POST",
            "/clients/Not A Client/dossiers/1/calls/t",
            json.dumps({"outcome": "reached"}),
            400,
            "client id",
        ),
        ("GET", "/clients/NOT_VALID/calls", None, 400, "client id"),
    ],
)
def test_a_bad_request_gets_a_4xx_with_a_message(
    pipeline: Pipeline, method: str, path: str, body: str | None, status: int, message: str
) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    if method == "POST":
        response = pipeline.chalice.http.post(path, headers=JSON, body=body or "")
    else:
        response = pipeline.chalice.http.get(path)
    assert response.status_code == status, response.body
    assert message in response.body.decode()


def test_the_management_routes_require_signed_requests_when_deployed() -> None:
    import app

    for path in (
        "/clients/{client_id}/dossiers/{debtor_id}/handover",
        "/clients/{client_id}/dossiers/{debtor_id}/arrangement",
        "/clients/{client_id}/dossiers/{debtor_id}/calls/{task_id}",
        "/clients/{client_id}/calls",
    ):
        for route in app.app.routes[path].values():
            assert route.authorizer is app.OPERATORS, path
    for route in app.app.routes["/webhooks/mollie/{client_id}"].values():
        assert route.authorizer is None
