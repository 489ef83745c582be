"""The login check without AWS: tokens signed with a key of our own, keys served by a counting
fetcher. The pool's keys are fetched once and kept; an unknown key id refreshes them at most once
a minute; every claim the check relies on is checked."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.adapters.login_tokens import InvalidLogin, LoginVerifier, PoolKeys
from chalicelib.domain.access import Caller, Role

ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_pool"
APP = "app-client-1"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwks() -> dict[str, Any]:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
    return {"keys": [{**public, "kid": "k1", "alg": "RS256", "use": "sig"}]}


def token(kid: str = "k1", **claims: Any) -> str:
    now = int(time.time())
    payload = {
        "iss": ISSUER,
        "aud": APP,
        "sub": "user-1",
        "token_use": "id",
        "iat": now,
        "exp": now + 3600,
        "custom:client_id": "club-42",
        "custom:role": "viewer",
        **claims,
    }
    return jwt.encode(
        {k: v for k, v in payload.items() if v is not None}, KEY, algorithm="RS256", headers={"kid": kid}
    )


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def verifier() -> tuple[LoginVerifier, PoolKeys, Clock]:
    clock = Clock()
    keys = PoolKeys("https://example/jwks.json", fetch=lambda url: jwks(), clock=clock)
    return LoginVerifier(ISSUER, APP, keys), keys, clock


def test_a_valid_id_token_names_the_user_their_client_and_role_and_the_keys_are_fetched_once() -> None:
    check, keys, _ = verifier()

    callers = [check.caller(token()) for _ in range(5)]

    assert callers == [Caller("user-1", "club-42", Role.VIEWER)] * 5
    assert keys.fetches == 1


def test_an_unknown_key_id_refreshes_the_keys_at_most_once_a_minute() -> None:
    check, keys, clock = verifier()
    check.caller(token())
    for _ in range(10):
        with pytest.raises(InvalidLogin):
            check.caller(token(kid="forged"))
    assert keys.fetches == 1
    clock.now += 61
    with pytest.raises(InvalidLogin):
        check.caller(token(kid="forged"))
    assert keys.fetches == 2


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_other"},
        {"aud": "another-app"},
        {"exp": int(time.time()) - 60},
        {"token_use": "access"},
        {"token_use": None},
        {"custom:client_id": None},
        {"custom:role": "admin"},
    ],
)
def test_a_token_failing_any_check_is_refused(claims: dict[str, Any]) -> None:
    check, _, _ = verifier()
    with pytest.raises(InvalidLogin):
        check.caller(token(**claims))


def test_a_token_signed_with_another_key_or_no_key_is_refused() -> None:
    check, _, _ = verifier()
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode({"sub": "x"}, other, algorithm="RS256", headers={"kid": "k1"})
    unsigned = jwt.encode({"sub": "x"}, None, algorithm="none", headers={"kid": "k1"})
    for bad in (forged, unsigned, "not-a-token"):
        with pytest.raises(InvalidLogin):
            check.caller(bad)
