"""Create and change a client's profile: the settings the engine reads (chalicelib/domain/clients.py),
its entry in the client directory (the `CLIENTS` list the daily jobs read) and its Mollie key in
SSM. Every field is checked before anything is saved; an error names the field and what to fix.

Values arrive as text (from the command line); each field is read by its type, and the fields
with a format of their own by the same parsers the import uses for debtor lists.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from importlib import resources
from typing import Any, get_type_hints
from urllib.parse import urlparse

from chalicelib.domain.clients import Client
from chalicelib.domain.errors import DebtflowError, UnknownClient
from chalicelib.domain.policies import PolicyError, load_policy
from chalicelib.importing.fields import InvalidField, parse_email, parse_iban, parse_phone
from chalicelib.importing.headers import FIELDS as LIST_FIELDS
from chalicelib.services.ports import ClientDirectory, SecretStore

CLIENT_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
KVK_NUMBER = re.compile(r"\d{8}")
MOLLIE_KEY = re.compile(r"(live|test)_[A-Za-z0-9]{20,64}")
LANGUAGES = ("nl", "en")
# Set by the tool itself: the key's parameter name follows from the client id.
DERIVED = ("client_id", "mollie_key_parameter", "column_mapping")
REQUIRED = ("name", "sender_email", "reply_to_email", "redirect_url")
_TRUE, _FALSE = ("yes", "true", "1", "on", "ja"), ("no", "false", "0", "off", "nee")


class InvalidProfile(DebtflowError):
    """A field the profile cannot take; the message names it and says what is expected."""


class ClientExists(DebtflowError):
    def __init__(self, client_id: str) -> None:
        super().__init__(f"client {client_id!r} exists already: change it with `debtflow client update`")


@dataclass(frozen=True)
class ProfileSaved:
    client: Client
    changed: tuple[str, ...]


def key_parameter(client_id: str) -> str:
    return f"/debtflow/clients/{client_id}/mollie-api-key"


def settable_fields() -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(Client) if f.name not in DERIVED)


def create_client(client_id: str, values: Mapping[str, str], directory: ClientDirectory) -> ProfileSaved:
    if not CLIENT_ID.fullmatch(client_id):
        raise InvalidProfile(
            f"client id {client_id!r}: use 1-63 lower-case letters, digits and hyphens, starting with a "
            "letter or digit (it becomes part of S3 keys and webhook URLs)"
        )
    if directory.get(client_id) is not None:
        raise ClientExists(client_id)
    missing = [name for name in REQUIRED if not values.get(name)]
    if missing:
        raise InvalidProfile(f"a new client needs {', '.join('--' + n.replace('_', '-') for n in missing)}")
    fields = read_fields(values)
    client = Client(client_id=client_id, mollie_key_parameter=key_parameter(client_id), **fields)
    directory.save(client)
    return ProfileSaved(client, tuple(fields))


def update_client(client_id: str, values: Mapping[str, str], directory: ClientDirectory) -> ProfileSaved:
    current = _existing(client_id, directory)
    if not values:
        raise InvalidProfile("name at least one field to change, e.g. --sender-email or --set policy=default")
    fields = read_fields(values)
    client = dataclasses.replace(current, **fields)
    directory.save(client)
    return ProfileSaved(client, tuple(name for name in fields if getattr(current, name) != fields[name]))


def set_column_mapping(client_id: str, pairs: Mapping[str, str], directory: ClientDirectory) -> ProfileSaved:
    """Our field name -> the header text in the client's exports; an empty mapping clears it."""
    current = _existing(client_id, directory)
    for field_name, header in pairs.items():
        if field_name not in LIST_FIELDS:
            raise InvalidProfile(
                f"{field_name!r} is not a list field; known fields: {', '.join(LIST_FIELDS)}"
            )
        if not header.strip():
            raise InvalidProfile(f'give the header text for {field_name!r}, e.g. {field_name}="Debiteur nr"')
    client = dataclasses.replace(current, column_mapping={k: v.strip() for k, v in pairs.items()})
    directory.save(client)
    return ProfileSaved(client, ("column_mapping",))


def set_mollie_key(client_id: str, key: str, directory: ClientDirectory, secrets: SecretStore) -> Client:
    client = _existing(client_id, directory)
    if not MOLLIE_KEY.fullmatch(key.strip()):
        # Never repeat the key: it may be a real one with a typo.
        raise InvalidProfile(
            "that is not a Mollie API key: it starts with live_ or test_ followed by letters and digits"
        )
    secrets.put(client.mollie_key_parameter, key.strip())
    return client


def read_fields(values: Mapping[str, str]) -> dict[str, Any]:
    hints = get_type_hints(Client)
    known = settable_fields()
    fields: dict[str, Any] = {}
    for name, text in values.items():
        if name not in known:
            raise InvalidProfile(f"{name!r} is not a client setting; known settings: {', '.join(known)}")
        fields[name] = _read(name, str(text).strip(), hints[name])
    return fields


def _read(name: str, text: str, kind: Any) -> Any:
    special = _SPECIAL.get(name)
    optional = type(None) in getattr(kind, "__args__", ())
    if optional and text.lower() in ("", "none", "-"):
        return None
    try:
        if special is not None:
            return special(text)
        base = next((a for a in getattr(kind, "__args__", (kind,)) if a is not type(None)), kind)
        if base is bool:
            return _boolean(text)
        if base is int:
            return _count(text)
        if isinstance(base, type) and issubclass(base, Enum):
            return base(text)
        if not text:
            raise ValueError("it may not be empty")
        return text
    except (InvalidField, ValueError, PolicyError) as error:
        raise InvalidProfile(f"{_flag(name)}: {_expected(name, kind, error)}") from None


def _expected(name: str, kind: Any, error: Exception) -> str:
    base = next((a for a in getattr(kind, "__args__", (kind,)) if a is not type(None)), kind)
    if isinstance(base, type) and issubclass(base, Enum):
        return f"choose one of {', '.join(str(m.value) for m in base)}"
    return str(error)


def _boolean(text: str) -> bool:
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise ValueError(f"{text!r} is not yes or no")


def _count(text: str) -> int:
    if not text.isdigit():
        raise ValueError(f"{text!r} is not a whole number of 0 or more")
    return int(text)


def _email(text: str) -> str:
    address = parse_email(text)
    if address != text:
        raise ValueError(f"give one address, not {text!r}")
    return address


def _kvk(text: str) -> str:
    compact = text.replace(" ", "").replace(".", "")
    if not KVK_NUMBER.fullmatch(compact):
        raise ValueError(f"{text!r} is not a KvK number (8 digits)")
    return compact


def _policy(text: str) -> str:
    try:
        load_policy(text)
    except PolicyError:
        raise ValueError(f"no policy called {text!r}; choose one of {', '.join(policy_names())}") from None
    return text


def policy_names() -> list[str]:
    folder = resources.files("chalicelib.data")
    return sorted(
        p.name[len("policy_") : -len(".json")] for p in folder.iterdir() if p.name.startswith("policy_")
    )


def _language(text: str) -> str:
    if text not in LANGUAGES:
        raise ValueError(f"choose one of {', '.join(LANGUAGES)}")
    return text


def _url(text: str) -> str:
    parsed = urlparse(text)
    if parsed.scheme != "https" or not parsed.netloc:
        raise ValueError(f"{text!r} is not an https:// address")
    return text


def _name(text: str) -> str:
    if not text or len(text) > 100:
        raise ValueError("give the client's name (1-100 characters), as debtors know it")
    return text


_SPECIAL: dict[str, Callable[[str], Any]] = {
    "name": _name,
    "sender_email": _email,
    "reply_to_email": _email,
    "redirect_url": _url,
    "iban": parse_iban,
    "kvk_number": _kvk,
    "phone": lambda text: parse_phone(text, "NL"),
    "policy": _policy,
    "language": _language,
}


def _flag(name: str) -> str:
    return name


def _existing(client_id: str, directory: ClientDirectory) -> Client:
    client = directory.get(client_id)
    if client is None:
        raise UnknownClient(client_id)
    return client
