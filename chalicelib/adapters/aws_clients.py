"""boto3 clients, created lazily and once per process so `import app` stays cheap."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# Lambda's own timeout is the real bound; these keep a stuck call from eating all of it.
_CONFIG = Config(connect_timeout=3, read_timeout=10, retries={"mode": "standard", "max_attempts": 4})


@cache
def client(service: str) -> Any:
    return boto3.client(service, config=_CONFIG)


class LazyClient:
    """A boto3 client made on its first call (`make`, e.g. `lambda: client("sns")`), so wiring
    the ports (a CLI command, a handler) needs no region or credentials until AWS is really asked
    something."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make

    def __getattr__(self, name: str) -> Any:
        return getattr(self._make(), name)
