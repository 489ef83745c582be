"""Reading what a browser sends: form bodies and cookies, bounded so a large post is refused."""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from chalicelib.domain.errors import InvalidRequest

MAX_FORM_BYTES = 16_384


def form_fields(request: Any) -> dict[str, list[str]]:
    raw = request.raw_body if request is not None else b""
    if isinstance(raw, str):
        raw = raw.encode()
    if len(raw or b"") > MAX_FORM_BYTES:
        raise InvalidRequest("the form is too large")
    try:
        return parse_qs((raw or b"").decode("utf-8"), keep_blank_values=True, max_num_fields=200)
    except (UnicodeDecodeError, ValueError) as error:
        raise InvalidRequest("the form could not be read") from error


def first(fields: dict[str, list[str]], name: str) -> str:
    values = fields.get(name) or [""]
    return values[0].strip()


def cookies(request: Any) -> dict[str, str]:
    header = (request.headers.get("cookie") if request is not None else None) or ""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}
