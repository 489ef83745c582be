"""Per-client secrets (Mollie API keys) from SSM Parameter Store SecureStrings."""

from __future__ import annotations

import time

from chalicelib.adapters.aws_clients import client

_TTL_SECONDS = 300.0


class SsmSecrets:
    """Caches each value for a few minutes: a warm Lambda should not call SSM per webhook."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[float, str]] = {}

    def get(self, name: str) -> str:
        cached = self._cache.get(name)
        if cached and time.monotonic() - cached[0] < _TTL_SECONDS:
            return cached[1]
        value = str(client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"])
        self._cache[name] = (time.monotonic(), value)
        return value
