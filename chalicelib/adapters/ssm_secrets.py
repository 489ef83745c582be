"""Per-client secrets (Mollie API keys) from SSM Parameter Store SecureStrings."""

from __future__ import annotations

import os
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

    def put(self, name: str, value: str) -> None:
        """A SecureString, under the stack's key when one is named (SSM_KEY_ID; the functions
        may decrypt only through SSM with it), else under SSM's default key."""
        request: dict[str, object] = {"Name": name, "Value": value, "Type": "SecureString", "Overwrite": True}
        if key_id := os.environ.get("SSM_KEY_ID"):
            request["KeyId"] = key_id
        client("ssm").put_parameter(**request)
        self._cache.pop(name, None)

    def exists(self, name: str) -> bool:
        ssm = client("ssm")
        try:
            ssm.get_parameter(Name=name, WithDecryption=False)
        except ssm.exceptions.ParameterNotFound:
            return False
        return True
