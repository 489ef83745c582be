"""A client's settings as its owners see and change them on the dashboard: who the messages are
from (name, reply-to), the letterhead (postal address, IBAN, KvK, phone), phone contact moments
and the interest and costs choices. Every value is checked exactly as `debtflow client update`
checks it (services/client_profiles.py); a refusal names the setting and what it expects.
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.clients import BusinessCosts, Client
from chalicelib.domain.errors import InvalidRequest, UnknownClient
from chalicelib.services.client_profiles import update_client
from chalicelib.services.ports import ClientDirectory

# What an owner may change here; the rest (sender address, policy, Mollie key, column mapping)
# stays with the operators' `debtflow client` commands.
EDITABLE = (
    "name",
    "reply_to_email",
    "postal_address",
    "iban",
    "kvk_number",
    "phone",
    "phone_contact",
    "charge_interest",
    "business_costs",
    "costs_vat",
)
CHOICES: dict[str, list[Any]] = {
    "business_costs": [c.value for c in BusinessCosts],
    # null: the default per debtor type (businesses yes, consumers no).
    "charge_interest": [True, False, None],
    "phone_contact": [True, False],
    "costs_vat": [True, False],
}


def _client(client_id: str, clients: ClientDirectory) -> Client:
    client = clients.get(client_id)
    if client is None:
        raise UnknownClient(client_id)
    return client


def _shown(client: Client, changed: tuple[str, ...] | None = None) -> dict[str, Any]:
    values = {name: getattr(client, name) for name in EDITABLE}
    values["business_costs"] = BusinessCosts(client.business_costs).value
    answer: dict[str, Any] = {
        "client_id": client.client_id,
        "settings": values,
        "editable": list(EDITABLE),
        "choices": CHOICES,
    }
    if changed is not None:
        answer["changed"] = list(changed)
    return answer


def client_settings(client_id: str, clients: ClientDirectory) -> dict[str, Any]:
    return _shown(_client(client_id, clients))


def _as_text(name: str, value: Any) -> str:
    """A JSON value as the profile's reader takes it (the command line's text)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    raise InvalidRequest(f'"{name}" must be text, true/false or null')


def change_settings(client_id: str, body: Any, clients: ClientDirectory) -> dict[str, Any]:
    """Change the settings named in the body (the others stay); nothing is saved when one value
    is refused."""
    _client(client_id, clients)
    if not isinstance(body, dict) or not body:
        raise InvalidRequest('send the settings to change as a JSON object, e.g. {"reply_to_email": "..."}')
    unknown = sorted(set(body) - set(EDITABLE))
    if unknown:
        raise InvalidRequest(f"{unknown[0]!r} cannot be changed here; settings: {', '.join(EDITABLE)}")
    saved = update_client(client_id, {name: _as_text(name, value) for name, value in body.items()}, clients)
    return _shown(saved.client, saved.changed)
