"""What `debtflow simulate` is told to play: the client profile and the scripted behaviour of
debtors and client, read and checked completely before anything runs.

Everything here is plain reading and checking (no moto, no Mollie), so a bad file is refused in
milliseconds with the reason and the index of the bad event.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.clients import Client, FirstStep
from chalicelib.domain.debtor_list import DebtorType, InvoiceLine
from chalicelib.domain.policies import PolicyError, load_policy
from chalicelib.importing import ImportSettings, UnreadableList, read_debtor_list

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# A scripted event without "at" happens at noon: after the morning's reminders went out.
DEFAULT_EVENT_TIME = time(12, 0)
DISPUTE_REASONS = ("already_paid", "never_received", "amount_wrong", "not_delivered", "other")


class ScriptError(ValueError):
    """A client profile, events file or list the simulation cannot play; the message says why."""


# What each scripted action needs besides day and debtor: field name -> (type, description).
_REQUIRED: dict[str, dict[str, tuple[type, str]]] = {
    "pay": {},
    "pay_partial": {"amount_cents": (int, "a whole number of cents")},
    "dispute": {"invoices": (list, "a list of invoice numbers"), "reason": (str, "a dispute reason")},
    "client_upholds_dispute": {"invoices": (list, "a list of invoice numbers")},
    "client_credits_dispute": {"invoices": (list, "a list of invoice numbers")},
    "decline_handover": {},
    "approve_handover": {},
    "pause_until": {"date": (str, "a date YYYY-MM-DD")},
    "resume": {},
    "withdraw": {},
    "arrangement": {"installments": (int, "a whole number of installments")},
    "pay_installment": {},
    "bounce_email": {},
    "upload": {"list": (str, "the path of a debtor list")},
}
_OPTIONAL: dict[str, dict[str, type]] = {
    "dispute": {"note": str},
    "decline_handover": {"continue": bool},
    "withdraw": {"reason": str},
}
_COMMON = {"day", "debtor", "do", "at"}
ACTIONS = tuple(_REQUIRED)


@dataclass(frozen=True)
class ScriptedEvent:
    """One thing a debtor or the client does at a moment of the simulated run."""

    index: int  # its place in the events file, for messages about it
    at: datetime  # aware
    debtor_id: str
    action: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        return self.details.get(name, default)


def local_moment(text: str) -> datetime:
    """`2026-12-07T09:00` as Amsterdam local time; an explicit offset is kept."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=AMSTERDAM)


# --- the client profile ---------------------------------------------------------------------------


def client_profile(path: Path | None, base: Client) -> Client:
    """The client as `base` with the fields of the JSON file at `path` replaced."""
    if path is None:
        return base
    data = _json_file(path, "client file")
    if not isinstance(data, dict):
        raise ScriptError(f"{path}: the client profile must be a JSON object of Client fields")
    known = {f.name: f for f in fields(Client)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ScriptError(f"{path}: unknown client field(s): {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for name, value in data.items():
        current = getattr(base, name)
        if name == "default_debtor_type":
            values[name] = _choice(path, name, value, DebtorType)
        elif name == "first_step":
            values[name] = _choice(path, name, value, FirstStep).value
        elif name == "column_mapping":
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise ScriptError(f"{path}: column_mapping must map field names to header texts")
            values[name] = value
        elif isinstance(current, bool):
            if not isinstance(value, bool):
                raise ScriptError(f"{path}: {name} must be true or false")
            values[name] = value
        elif isinstance(current, int):
            if not isinstance(value, int) or isinstance(value, bool):
                raise ScriptError(f"{path}: {name} must be a whole number")
            values[name] = value
        elif current is None or isinstance(current, str):
            if value is not None and not isinstance(value, str):
                raise ScriptError(f"{path}: {name} must be text")
            values[name] = value
        else:  # pragma: no cover - a new Client field of another type needs a rule here
            raise ScriptError(f"{path}: {name} cannot be set from a profile yet")
    profile = replace(base, **values)
    try:
        load_policy(profile.policy)
    except PolicyError as error:
        raise ScriptError(f"{path}: {error}") from error
    return profile


def _choice(path: Path, name: str, value: Any, kind: type[DebtorType] | type[FirstStep]) -> Any:
    try:
        return kind(value)
    except ValueError as error:
        allowed = ", ".join(m.value for m in kind)
        raise ScriptError(f"{path}: {name} must be one of {allowed}") from error


# --- debtor lists ---------------------------------------------------------------------------------


def debtor_ids_on_list(path: Path, client: Client) -> list[str]:
    """The debtor ids of the rows the import would accept, read exactly as the import reads them."""
    settings = ImportSettings(default_debtor_type=client.default_debtor_type)
    if client.column_mapping:
        settings = replace(settings, column_mapping=dict(client.column_mapping))
    ids: dict[str, None] = {}
    try:
        with path.open("rb") as stream:
            for outcome in read_debtor_list(stream, path.name, settings):
                if isinstance(outcome, InvoiceLine):
                    ids[outcome.debtor.debtor_id] = None
    except UnreadableList as error:
        raise ScriptError(f"{path}: {error.reason}") from error
    except OSError as error:
        raise ScriptError(f"{path}: cannot open the list ({error.strerror or error})") from error
    return list(ids)


# --- the events file ------------------------------------------------------------------------------


def scripted_events(
    path: Path | None, *, start: datetime, end: datetime, debtor_ids: set[str], client: Client
) -> list[ScriptedEvent]:
    """Every event of the file, checked, in the order they happen (file order within a moment).

    `debtor_ids` are those on the first list; a debtor who first appears on a list uploaded by an
    earlier event is known from that event on. Relative list paths count from the events file.
    """
    if path is None:
        return []
    data = _json_file(path, "events file")
    if not isinstance(data, list):
        raise ScriptError(f"{path}: the events file must be a JSON list of events")
    known = set(debtor_ids)
    parsed: list[ScriptedEvent] = []
    for index, raw in enumerate(data):
        event = _event(path, index, raw, start, end)
        if event.action == "upload":
            list_path = Path(event.get("list"))
            if not list_path.is_absolute():
                list_path = path.parent / list_path
            try:
                new_ids = debtor_ids_on_list(list_path, client)
            except ScriptError as error:
                raise ScriptError(f"{path}: event {index}: {error}") from error
            event = replace(event, details={**event.details, "list": str(list_path)})
            known |= set(new_ids)
        parsed.append(event)
    # Debtors are checked after every list is known: an upload on day 30 may bring a new one.
    for event in parsed:
        if event.debtor_id not in known:
            raise ScriptError(
                f"{path}: event {event.index}: unknown debtor {event.debtor_id!r} (not on any list)"
            )
    return sorted(parsed, key=lambda e: (e.at, e.index))


def _event(path: Path, index: int, raw: Any, start: datetime, end: datetime) -> ScriptedEvent:
    def bad(reason: str) -> ScriptError:
        return ScriptError(f"{path}: event {index}: {reason}")

    if not isinstance(raw, dict):
        raise bad("an event is a JSON object with day, debtor and do")
    action = raw.get("do")
    if action not in _REQUIRED:
        raise bad(f"unknown do {action!r}; one of: {', '.join(ACTIONS)}")
    for name in ("day", "debtor"):
        if name not in raw:
            raise bad(f"missing field {name!r}")
    day = raw["day"]
    if not isinstance(day, int) or isinstance(day, bool):
        raise bad("day must be a whole number of days from the start")
    debtor = raw["debtor"]
    if not isinstance(debtor, str | int) or isinstance(debtor, bool) or not str(debtor).strip():
        raise bad("debtor must be a debtor id")
    required, optional = _REQUIRED[action], _OPTIONAL.get(action, {})
    allowed = _COMMON | set(required) | set(optional)
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise bad(f"unknown field(s) for {action}: {', '.join(unknown)}")
    for name, (kind, description) in required.items():
        if name not in raw:
            raise bad(f"{action} needs {name!r} ({description})")
        if not isinstance(raw[name], kind) or isinstance(raw[name], bool) is not (kind is bool):
            raise bad(f"{name} must be {description}")
    for name, kind in optional.items():
        if name in raw and not isinstance(raw[name], kind):
            raise bad(f"{name} must be {'true or false' if kind is bool else 'text'}")
    details = {k: v for k, v in raw.items() if k not in _COMMON}
    _check_details(action, details, bad)
    clock_time = DEFAULT_EVENT_TIME
    if "at" in raw:
        try:
            clock_time = time.fromisoformat(str(raw["at"]))
        except ValueError as error:
            raise bad(f"at must be a local time HH:MM, got {raw['at']!r}") from error
    local_start = start.astimezone(AMSTERDAM)
    moment = datetime.combine(local_start.date() + timedelta(days=day), clock_time, AMSTERDAM)
    if not start <= moment <= end:
        raise bad(
            f"day {day} at {clock_time:%H:%M} is outside the run "
            f"({local_start:%Y-%m-%d %H:%M} to {end.astimezone(AMSTERDAM):%Y-%m-%d %H:%M})"
        )
    return ScriptedEvent(index, moment, str(debtor).strip(), action, details)


def _check_details(action: str, details: dict[str, Any], bad: Any) -> None:
    if "invoices" in details:
        invoices = details["invoices"]
        if not invoices or not all(isinstance(n, str | int) and str(n).strip() for n in invoices):
            raise bad("invoices must be a non-empty list of invoice numbers")
        details["invoices"] = [str(n).strip() for n in invoices]
    if action == "dispute" and details["reason"] not in DISPUTE_REASONS:
        raise bad(f"reason must be one of {', '.join(DISPUTE_REASONS)}")
    if action == "pay_partial" and details["amount_cents"] <= 0:
        raise bad("amount_cents must be more than 0")
    if action == "arrangement" and details["installments"] <= 0:
        raise bad("installments must be more than 0")
    if action == "pause_until":
        try:
            date.fromisoformat(details["date"])
        except ValueError as error:
            raise bad(f"date must be YYYY-MM-DD, got {details['date']!r}") from error


def _json_file(path: Path, what: str) -> Any:
    try:
        text = path.read_text("utf-8")
    except OSError as error:
        raise ScriptError(f"{path}: cannot read the {what} ({error.strerror or error})") from error
    except UnicodeDecodeError as error:
        raise ScriptError(f"{path}: the {what} is not UTF-8 text") from error
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ScriptError(
            f"{path}: the {what} is not JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from error
