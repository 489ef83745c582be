"""The JSON body of a request from an operator or the dashboard: an object with known fields only,
and a message that shows what to send when it is not."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from chalicelib.domain.errors import InvalidRequest


def json_object(body: Any, fields: Collection[str], example: str) -> dict[str, Any]:
    """`body` as a JSON object whose fields are all in `fields`; InvalidRequest naming the unknown
    ones (a typo would otherwise be ignored silently) and showing `example`."""
    if not isinstance(body, dict):
        raise InvalidRequest(f"send a JSON object such as {example}")
    unknown = set(body) - set(fields)
    if unknown:
        raise InvalidRequest(
            f"unknown field(s): {', '.join(sorted(unknown))}; send a JSON object such as {example}"
        )
    return body
