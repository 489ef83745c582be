"""How the dashboard names one upload in a URL: the file name under `incoming/<client>/` may hold
spaces, slashes and any character, so the URL carries it base64url-encoded, without padding."""

from __future__ import annotations

import base64
import binascii

from chalicelib.domain.errors import InvalidRequest

MAX_NAME = 1024


def upload_id(file_name: str) -> str:
    return base64.urlsafe_b64encode(file_name.encode("utf-8")).decode("ascii").rstrip("=")


def file_name_of(upload: str) -> str:
    """The file name an upload id stands for; InvalidRequest for anything that is not one."""
    if not upload or len(upload) > 2 * MAX_NAME:
        raise InvalidRequest("that is not an upload of this client")
    try:
        name = base64.urlsafe_b64decode(upload + "=" * (-len(upload) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise InvalidRequest("that is not an upload of this client") from error
    if not name or name.startswith("/") or ".." in name.split("/") or any(ord(c) < 32 for c in name):
        raise InvalidRequest("that is not an upload of this client")
    return name
