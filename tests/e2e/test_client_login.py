"""The client's login and tenancy through the real handlers, with ID tokens that moto's Cognito
issues for real users (USER_PASSWORD_AUTH): one client's token opens nothing of another client
and changes nothing there; no token, a forged one, another pool's and an expired one get 401; a
viewer reads and may not decide; decisions are recorded as the signed-in user."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import replace
from typing import Any

import boto3
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib import bootstrap
from infra.local.demo_data import DEMO_CLIENT, DEMO_LIST
from infra.local.login_pool import add_user, create_login_pool, id_token
from tests.e2e.conftest import DAY_0, REGION, Pipeline

CLIENT_A = DEMO_CLIENT.client_id
CLIENT_B = replace(DEMO_CLIENT, client_id="vv-de-kievit", name="VV De Kievit")
B_LIST_KEY = f"incoming/{CLIENT_B.client_id}/leden.csv"
VIEWER = ("kijker@zwaluwen.example", "Viewer-Passw0rd-1")
OWNER_B = ("penningmeester@kievit.example", "OwnerB-Passw0rd-1")

# Every client route, as (method, path template, body): reads and decisions.
ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/clients/{c}/summary", None),
    ("GET", "/clients/{c}/dossiers", None),
    ("GET", "/clients/{c}/dossiers?status=reminded&q=smit", None),
    ("GET", "/clients/{c}/dossiers/10003", None),
    ("GET", "/clients/{c}/calls", None),
    ("POST", "/clients/{c}/dossiers/10003/handover", {"decision": "approve"}),
    ("POST", "/clients/{c}/dossiers/10003/arrangement", {"installments": 2}),
    ("POST", "/clients/{c}/dossiers/10003/calls/step-2", {"outcome": "reached"}),
    ("POST", "/clients/{c}/dossiers/10003/disputes", {"invoices": ["2026-0431"], "reason": "amount_wrong"}),
    (
        "POST",
        "/clients/{c}/dossiers/10003/disputes/resolution",
        {"invoices": ["2026-0431"], "decision": "uphold"},
    ),
    ("POST", "/clients/{c}/dossiers/10003/pause", {"until": "2026-12-21"}),
    ("POST", "/clients/{c}/dossiers/10003/resume", {}),
    ("POST", "/clients/{c}/dossiers/10003/withdraw", {"reason": "betaald"}),
]


def call(
    pipeline: Pipeline, method: str, path: str, body: dict[str, Any] | None, headers: dict[str, str]
) -> Any:
    if method == "GET":
        return pipeline.chalice.http.get(path, headers=headers)
    return pipeline.chalice.http.post(path, headers=headers, body=json.dumps(body))


def bearer(token: str) -> dict[str, str]:
    return {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}


def two_clients(pipeline: Pipeline) -> None:
    """Client A (the demo club) and client B with the same debtor numbers, both imported."""
    bootstrap.client_directory().save(CLIENT_B)
    add_user(pipeline.login, *OWNER_B, CLIENT_B.client_id, "owner")
    pipeline.upload()
    pipeline.upload(B_LIST_KEY, DEMO_LIST)
    pipeline.import_uploads()
    pipeline.sweep_and_act(DAY_0)


def stored_state(client_id: str) -> list[tuple[str, str, int | None, int]]:
    repository = bootstrap.dossier_repository()
    return sorted(
        (d.debtor_id, d.status.value, d.version, len(repository.events(client_id, d.debtor_id)))
        for d in repository.list_for_client(client_id)
    )


@pytest.mark.parametrize(("method", "template", "body"), ROUTES)
def test_client_a_token_on_client_b_urls_answers_404_like_an_unknown_client_and_changes_nothing(
    pipeline: Pipeline, method: str, template: str, body: dict[str, Any] | None
) -> None:
    two_clients(pipeline)
    before = stored_state(CLIENT_B.client_id)
    assert before, "client B has dossiers"

    other = call(pipeline, method, template.format(c=CLIENT_B.client_id), body, pipeline.owner)
    unknown = call(pipeline, method, template.format(c="nobody-here"), body, pipeline.owner)

    assert other.status_code == 404, other.body
    message = json.loads(other.body)["message"]
    assert message == json.loads(unknown.body)["message"].replace("nobody-here", CLIENT_B.client_id)
    assert stored_state(CLIENT_B.client_id) == before
    # The same URL with client B's own owner is found: the 404 was about who asked.
    if method == "GET":
        own = call(
            pipeline,
            method,
            template.format(c=CLIENT_B.client_id),
            body,
            bearer(id_token(pipeline.login, *OWNER_B)),
        )
        assert own.status_code == 200, own.body


@pytest.mark.parametrize(("method", "template", "body"), ROUTES)
def test_without_a_token_every_client_route_answers_401(
    pipeline: Pipeline, method: str, template: str, body: dict[str, Any] | None
) -> None:
    response = call(pipeline, method, template.format(c=CLIENT_A), body, {"Content-Type": "application/json"})
    assert response.status_code == 401, response.body


def forged(token: str) -> str:
    """The same claims, signed with a key of our own under the pool's key id."""
    claims = jwt.decode(token, options={"verify_signature": False})
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(
        claims, key, algorithm="RS256", headers={"kid": jwt.get_unverified_header(token)["kid"]}
    )


def with_claims(token: str, **changes: Any) -> str:
    """The token with some claims changed and its signature left as it was (a tampered token)."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    encoded = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{encoded}.{signature}"


def expired_token(pipeline: Pipeline) -> str:
    """A real token of the pool, issued as it would have been two hours ago (moto signs with the
    pool's key; its tokens live an hour)."""
    from moto.cognitoidp.models import cognitoidp_backends
    from moto.core.models import DEFAULT_ACCOUNT_ID

    pool = cognitoidp_backends[DEFAULT_ACCOUNT_ID][REGION].user_pools[pipeline.login.pool_id]
    real = time.time
    try:
        time.time = lambda: real() - 7200  # type: ignore[assignment]
        username = next(iter(pool.users))
        token, _ = pool.create_id_token(pipeline.login.app_client_id, username, "origin")
    finally:
        time.time = real  # type: ignore[assignment]
    return token


@pytest.mark.parametrize(
    "kind", ["forged", "tampered", "other_pool", "other_app", "expired", "access", "garbage", "basic"]
)
def test_a_token_that_is_not_a_valid_id_token_of_this_pool_and_app_answers_401(
    pipeline: Pipeline, kind: str
) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    good = pipeline.owner["Authorization"].removeprefix("Bearer ")
    if kind == "forged":
        header = f"Bearer {forged(good)}"
    elif kind == "tampered":
        header = f"Bearer {with_claims(good, **{'custom:client_id': CLIENT_B.client_id})}"
    elif kind == "other_pool":
        # A real token of another pool (moto signs every pool with the same key: only the issuer
        # tells them apart, so the issuer check is what refuses it).
        other = create_login_pool("another-product")
        add_user(other, "x@elders.example", "Other-Passw0rd-1", CLIENT_A, "owner")
        header = f"Bearer {id_token(other, 'x@elders.example', 'Other-Passw0rd-1')}"
    elif kind == "other_app":
        cognito = boto3.client("cognito-idp", region_name=REGION)
        app_id = cognito.create_user_pool_client(
            UserPoolId=pipeline.login.pool_id,
            ClientName="someone-else",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
        )["UserPoolClient"]["ClientId"]
        header = f"Bearer {id_token(replace(pipeline.login, app_client_id=app_id), *('penningmeester@zwaluwen.example', 'Owner-Passw0rd-1'))}"
    elif kind == "expired":
        header = f"Bearer {expired_token(pipeline)}"
    elif kind == "access":
        cognito = boto3.client("cognito-idp", region_name=REGION)
        header = (
            "Bearer "
            + cognito.initiate_auth(
                ClientId=pipeline.login.app_client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={
                    "USERNAME": "penningmeester@zwaluwen.example",
                    "PASSWORD": "Owner-Passw0rd-1",
                },
            )["AuthenticationResult"]["AccessToken"]
        )
    elif kind == "garbage":
        header = "Bearer not.a.token"
    else:
        header = "Basic dXNlcjpwYXNz"
    before = stored_state(CLIENT_A)

    read = pipeline.chalice.http.get(f"/clients/{CLIENT_A}/dossiers/10003", headers={"Authorization": header})
    decide = pipeline.chalice.http.post(
        f"/clients/{CLIENT_A}/dossiers/10003/withdraw",
        headers={"Content-Type": "application/json", "Authorization": header},
        body=json.dumps({"reason": "betaald"}),
    )

    assert (read.status_code, decide.status_code) == (401, 401), (read.body, decide.body)
    assert "sign in" in json.loads(read.body)["message"]
    assert stored_state(CLIENT_A) == before
    # The same request with the real token is let in.
    assert (
        pipeline.chalice.http.get(f"/clients/{CLIENT_A}/dossiers/10003", headers=pipeline.owner).status_code
        == 200
    )


def test_a_viewer_reads_but_a_decision_answers_403_and_changes_nothing(pipeline: Pipeline) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    add_user(pipeline.login, *VIEWER, CLIENT_A, "viewer")
    viewer = bearer(id_token(pipeline.login, *VIEWER))
    before = stored_state(CLIENT_A)

    read = pipeline.chalice.http.get(f"/clients/{CLIENT_A}/dossiers/10003", headers=viewer)
    decide = pipeline.chalice.http.post(
        f"/clients/{CLIENT_A}/dossiers/10003/withdraw", headers=viewer, body=json.dumps({"reason": "betaald"})
    )

    assert read.status_code == 200
    assert json.loads(read.body)["actions"] == []
    assert decide.status_code == 403
    assert "only an owner" in json.loads(decide.body)["message"]
    assert stored_state(CLIENT_A) == before
    owner_view = json.loads(
        pipeline.chalice.http.get(f"/clients/{CLIENT_A}/dossiers/10003", headers=pipeline.owner).body
    )
    assert "withdraw" in owner_view["actions"]


def test_decisions_are_recorded_as_the_signed_in_user_never_a_name_from_the_body(pipeline: Pipeline) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    sub = jwt.decode(
        pipeline.owner["Authorization"].removeprefix("Bearer "), options={"verify_signature": False}
    )["sub"]

    paused = pipeline.chalice.http.post(
        f"/clients/{CLIENT_A}/dossiers/10001/pause",
        headers=pipeline.owner,
        body=json.dumps({"until": "2026-12-21"}),
    )
    withdrawn = pipeline.chalice.http.post(
        f"/clients/{CLIENT_A}/dossiers/10010/withdraw",
        headers=pipeline.owner,
        body=json.dumps({"reason": "betaald", "actor": "someone-else"}),
    )

    assert paused.status_code == 200, paused.body
    assert withdrawn.status_code == 400  # an unknown field is refused, not used as the actor
    events = bootstrap.dossier_repository().events(CLIENT_A, "10001")
    pause = [e for e in events if e.what == "client_paused_dunning"]
    assert [e.actor for e in pause] == [f"user:{sub}"]


@pytest.mark.parametrize("promised_on", ["9999-12-31", "2099-01-01", "2026-12-31"])
def test_a_promise_too_far_ahead_is_a_400_that_names_the_last_day(
    pipeline: Pipeline, promised_on: str
) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    response = pipeline.chalice.http.post(
        f"/clients/{CLIENT_A}/dossiers/10003/calls/step-2",
        headers=pipeline.owner,
        body=json.dumps({"outcome": "promise_to_pay", "promised_on": promised_on}),
    )
    assert response.status_code == 400, response.body
    assert "2026-12-30, at most 30 days ahead" in json.loads(response.body)["message"]
