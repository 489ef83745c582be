"""The dashboard's sign-in against moto's Cognito, as on AWS: the right e-mail and password give
an ID token the login verifier accepts; a wrong password, an unknown user and a user who must
still choose a password give nothing, all alike."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from chalicelib.adapters.cognito_sign_in import CognitoSignIn
from chalicelib.adapters.login_tokens import LoginVerifier, PoolKeys
from chalicelib.domain.access import Role
from infra.local.login_pool import LoginPool, add_user, create_login_pool

REGION = "eu-west-1"
EMAIL, PASSWORD = "penningmeester@club.example", "Club-Passw0rd-1"


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoginPool]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        login = create_login_pool()
        add_user(login, EMAIL, PASSWORD, "club-42", "owner")
        yield login


def sign_in(pool: LoginPool) -> CognitoSignIn:
    return CognitoSignIn(boto3.client("cognito-idp", region_name=REGION), pool.app_client_id)


def test_the_right_password_gives_an_id_token_of_the_users_client(pool: LoginPool) -> None:
    token = sign_in(pool).id_token(EMAIL, PASSWORD)

    assert token is not None
    caller = LoginVerifier(pool.issuer, pool.app_client_id, PoolKeys(pool.jwks_url)).caller(token)
    assert (caller.client_id, caller.role) == ("club-42", Role.OWNER)


def test_a_wrong_password_an_unknown_user_and_a_pending_password_give_nothing(pool: LoginPool) -> None:
    cognito = boto3.client("cognito-idp", region_name=REGION)
    cognito.admin_create_user(
        UserPoolId=pool.pool_id,
        Username="nieuw@club.example",
        TemporaryPassword="Tijdelijk-Passw0rd-1",
        MessageAction="SUPPRESS",
    )
    signing_in = sign_in(pool)

    assert signing_in.id_token(EMAIL, "Wrong-Passw0rd-1") is None
    assert signing_in.id_token("niemand@club.example", PASSWORD) is None
    assert signing_in.id_token("nieuw@club.example", "Tijdelijk-Passw0rd-1") is None  # must choose one first
    assert signing_in.id_token("", "") is None
