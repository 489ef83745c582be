"""boto3 clients, created lazily and once per process so `import app` stays cheap."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# Lambda's own timeout is the real bound; these keep a stuck call from eating all of it.
_CONFIG = Config(connect_timeout=3, read_timeout=10, retries={"mode": "standard", "max_attempts": 4})


@cache
def client(service: str) -> Any:
    return boto3.client(service, config=_CONFIG)
