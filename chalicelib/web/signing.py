"""Signed values for cookies and forms (HMAC-SHA256 with the page signing key).

A signed value is `<payload>.<expiry>.<mac>`: it cannot be forged or extended without the key.
The CSRF defence is a signed double submit: a random value in a cookie, and in every form the
MAC of that value; a cross-site page can neither read the cookie nor compute the MAC.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime


def _mac(key: bytes, purpose: str, message: str) -> str:
    return hmac.new(key, f"{purpose}|{message}".encode(), hashlib.sha256).hexdigest()


def sign(key: bytes, purpose: str, payload: str, expires_at: datetime) -> str:
    message = f"{payload}.{int(expires_at.timestamp())}"
    return f"{message}.{_mac(key, purpose, message)}"


def unsign(key: bytes, purpose: str, value: str, now: datetime) -> str | None:
    """The payload of a value signed for `purpose`, or None when forged, altered or expired."""
    message, _, mac = value.rpartition(".")
    payload, _, expiry = message.rpartition(".")
    if not payload or not expiry.isdigit() or not hmac.compare_digest(mac, _mac(key, purpose, message)):
        return None
    if int(expiry) <= now.timestamp():
        return None
    return payload


def new_csrf_secret() -> str:
    return secrets.token_urlsafe(24)


def csrf_token(key: bytes, secret: str) -> str:
    """What every form carries: bound to the visitor's CSRF cookie."""
    return _mac(key, "csrf", secret)


def csrf_valid(key: bytes, secret: str | None, token: str | None) -> bool:
    if not secret or not token:
        return False
    return hmac.compare_digest(token, csrf_token(key, secret))
