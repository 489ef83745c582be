"""Verifying the dashboard's login tokens: Cognito ID tokens (RS256 JWTs) checked with PyJWT.

Checked: the signature against the user pool's published keys (JWKS, cached), the issuer (this
pool), the audience (this app client), expiry and issue time, and `token_use` = "id" (an access
token carries no audience and no custom attributes). The client id and role come only from
these verified claims (`custom:client_id`, `custom:role`); the app client may not write them
(infra/resources.json), so a user cannot move themselves to another client.

The JWKS address is configurable: on AWS it is `<issuer>/.well-known/jwks.json`; moto serves the
same document at `<moto endpoint>/<pool id>/.well-known/jwks.json` while its tokens name the
AWS issuer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import jwt

from chalicelib.domain.access import Caller, Role

# Keys are re-read at most this often when a token names a key we do not know (Cognito rotates
# keys rarely; a forged `kid` must not make us fetch on every request).
REFRESH_AT_MOST_EVERY = 60.0
KEYS_KEPT_FOR = 3600.0
LEEWAY_SECONDS = 5


class InvalidLogin(Exception):
    """The token is missing, malformed, forged, expired or for another pool or app."""


def fetch_json(url: str) -> Any:
    """GET a JSON document (the pool's keys). requests comes with mollie-api-python already."""
    import requests

    response = requests.get(url, timeout=3)
    response.raise_for_status()
    return response.json()


class PoolKeys:
    """The user pool's signing keys by key id, fetched once and kept for an hour."""

    def __init__(
        self,
        jwks_url: str,
        fetch: Callable[[str], Any] = fetch_json,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = jwks_url
        self._fetch = fetch
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()
        self.fetches = 0

    def key(self, kid: str) -> jwt.PyJWK:
        with self._lock:
            now = self._clock()
            stale = self._fetched_at is None or now - self._fetched_at > KEYS_KEPT_FOR
            unknown = kid not in self._keys
            may_refresh = self._fetched_at is None or now - self._fetched_at > REFRESH_AT_MOST_EVERY
            if stale or (unknown and may_refresh):
                self._load(now)
            found = self._keys.get(kid)
        if found is None:
            raise InvalidLogin("the token is signed with a key this pool does not publish")
        return found

    def _load(self, now: float) -> None:
        try:
            document = self._fetch(self._url)
            keys = jwt.PyJWKSet.from_dict(document).keys
        except Exception as error:  # any failure to read the keys refuses the login
            raise InvalidLogin("the pool's signing keys could not be read") from error
        self.fetches += 1
        self._keys = {k.key_id: k for k in keys if k.key_id}
        self._fetched_at = now


class LoginVerifier:
    def __init__(self, issuer: str, app_client_id: str, keys: PoolKeys) -> None:
        self._issuer = issuer
        self._audience = app_client_id
        self._keys = keys

    def caller(self, token: str) -> Caller:
        """The verified user behind an ID token, or InvalidLogin."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise InvalidLogin("the token is not a JWT") from error
        if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
            raise InvalidLogin("the token is not signed the way Cognito signs")
        key = self._keys.key(header["kid"])
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=["RS256"],
                audience=self._audience,
                issuer=self._issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "token_use"]},
            )
        except jwt.PyJWTError as error:
            raise InvalidLogin(f"the token was refused: {type(error).__name__}") from error
        if claims.get("token_use") != "id":
            raise InvalidLogin("an ID token is needed (it names the user's client)")
        client_id = claims.get("custom:client_id")
        try:
            role = Role(str(claims.get("custom:role")))
        except ValueError as error:
            raise InvalidLogin("the user has no role on the dashboard") from error
        if not isinstance(client_id, str) or not client_id:
            raise InvalidLogin("the user belongs to no client")
        return Caller(user=str(claims["sub"]), client_id=client_id, role=role)
