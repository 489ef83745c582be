"""The operator routes through the real handler: the actor is who signed the request, never a
name from the body; a promised date beyond the client's limit is a 400 that says so."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib import bootstrap
from infra.local.demo_data import DEMO_CLIENT
from infra.local.lambda_events import LambdaContext
from tests.e2e.conftest import DAY_0, Pipeline

CLIENT = DEMO_CLIENT.client_id
JSON = {"Content-Type": "application/json"}

# --- who is recorded as the actor --------------------------------------------------------------------

ANNA = {
    "userArn": "arn:aws:sts::123456789012:assumed-role/DebtflowOperator/anna",
    "caller": "AROAEXAMPLE:anna",
    "accessKey": "ASIAEXAMPLEKEY",
    "accountId": "123456789012",
    "sourceIp": "192.0.2.10",
}


def signed_post(route: str, path: str, params: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    """A POST as API Gateway hands it to the function after checking its SigV4 signature."""
    import app

    event = {
        "resource": route,
        "path": path,
        "httpMethod": "POST",
        "headers": {"content-type": "application/json"},
        "multiValueHeaders": {"content-type": ["application/json"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": params,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": route,
            "httpMethod": "POST",
            "path": f"/api{path}",
            "stage": "api",
            "identity": ANNA,
        },
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }
    response: dict[str, Any] = app.app(event, LambdaContext("debtflow-api_handler"))
    return response


def actors(debtor_id: str) -> set[str]:
    return {e.actor for e in bootstrap.dossier_repository().events(CLIENT, debtor_id)}


def test_the_operator_routes_record_the_signed_caller_as_the_actor(pipeline: Pipeline) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    pipeline.sweep_and_act(DAY_0)
    route = "/clients/{client_id}/dossiers/{debtor_id}/"
    smit = {"client_id": CLIENT, "debtor_id": "10003"}
    jan = {"client_id": CLIENT, "debtor_id": "10001"}
    sanne = {"client_id": CLIENT, "debtor_id": "10005"}
    daan = {"client_id": CLIENT, "debtor_id": "10010"}
    answers = [
        signed_post(
            route + "disputes",
            f"/clients/{CLIENT}/dossiers/10003/disputes",
            smit,
            {"invoices": ["2026-0431"], "reason": "amount_wrong"},
        ),
        signed_post(
            route + "disputes/resolution",
            f"/clients/{CLIENT}/dossiers/10003/disputes/resolution",
            smit,
            {"invoices": ["2026-0431"], "decision": "uphold"},
        ),
        signed_post(route + "pause", f"/clients/{CLIENT}/dossiers/10001/pause", jan, {"until": "2026-12-21"}),
        signed_post(route + "resume", f"/clients/{CLIENT}/dossiers/10001/resume", jan, {}),
        signed_post(
            route + "arrangement", f"/clients/{CLIENT}/dossiers/10005/arrangement", sanne, {"installments": 2}
        ),
        signed_post(
            route + "withdraw", f"/clients/{CLIENT}/dossiers/10010/withdraw", daan, {"reason": "betaald"}
        ),
    ]
    assert [a["statusCode"] for a in answers] == [201, 200, 200, 200, 201, 200], answers
    for debtor_id in ("10003", "10001", "10005", "10010"):
        recorded = actors(debtor_id)
        assert "DebtflowOperator/anna" in recorded, (debtor_id, recorded)
        assert not recorded & {"operator", "client"}, (debtor_id, recorded)


def test_without_a_signed_identity_the_actor_is_operator(pipeline: Pipeline) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    response = pipeline.chalice.http.post(
        f"/clients/{CLIENT}/dossiers/10001/pause", headers=JSON, body=json.dumps({"until": "2026-12-21"})
    )
    assert response.status_code == 200, response.body
    assert "operator" in actors("10001")


@pytest.mark.parametrize("promised_on", ["9999-12-31", "2099-01-01", "2026-12-31"])
def test_a_promise_too_far_ahead_is_a_400_that_names_the_last_day(
    pipeline: Pipeline, promised_on: str
) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    response = pipeline.chalice.http.post(
        f"/clients/{CLIENT}/dossiers/10003/calls/step-2",
        headers=JSON,
        body=json.dumps({"outcome": "promise_to_pay", "promised_on": promised_on}),
    )
    assert response.status_code == 400, response.body
    assert "2026-12-30, at most 30 days ahead" in json.loads(response.body)["message"]
