"""The client steers a file: pause the messages until a date, resume them, or withdraw the file.

Each is one `Dossier` method through the unit of work; a pause always has an end, so a paused
file comes back by itself (the client may resume it sooner).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from chalicelib.domain import schedule
from chalicelib.domain.clients import Client
from chalicelib.domain.dossier import Dossier
from chalicelib.domain.errors import InvalidRequest, UnknownClient
from chalicelib.services.dossier_actions import ActionDeps, policy_for
from chalicelib.services.request_bodies import json_object

MAX_REASON = 500
# A pause longer than this is a withdrawal in disguise: the client should say so.
MAX_PAUSE_DAYS = 366


@dataclass(frozen=True)
class PauseRequest:
    until: date

    @classmethod
    def from_json(cls, body: Any, today: date) -> PauseRequest:
        body = json_object(body, ("until",), '{"until": "2027-01-31"}')
        try:
            until = date.fromisoformat(str(body.get("until")))
        except ValueError as error:
            raise InvalidRequest('"until" must be a date as YYYY-MM-DD') from error
        return cls(checked_pause_end(until, today))


def checked_pause_end(until: date, today: date) -> date:
    if until <= today:
        raise InvalidRequest("a pause must end after today")
    if (until - today).days > MAX_PAUSE_DAYS:
        raise InvalidRequest(f"a pause may last at most {MAX_PAUSE_DAYS} days; withdraw the file instead")
    return until


def reason_from_json(body: Any) -> str:
    if body is None:
        return ""
    body = json_object(body, ("reason",), '{"reason": "paid at the counter"} or {}')
    reason = body.get("reason", "")
    if not isinstance(reason, str) or len(reason) > MAX_REASON:
        raise InvalidRequest(f'"reason" must be text of at most {MAX_REASON} characters')
    return reason


def _client(deps: ActionDeps, client_id: str) -> Client:
    client = deps.clients.get(client_id)
    if client is None:
        raise UnknownClient(client_id)
    return client


def pause_dunning(
    client_id: str, debtor_id: str, until: date, now: datetime, deps: ActionDeps, *, actor: str
) -> Dossier:
    _client(deps, client_id)
    checked_pause_end(until, schedule.local_day(now))

    def pause(dossier: Dossier) -> Dossier:
        dossier.pause(
            schedule.morning(until),
            at=now,
            actor=actor,
            reason=f"the client paused the reminders until {until}",
        )
        return dossier

    return deps.uow.change(client_id, debtor_id, pause)


def resume_dunning(client_id: str, debtor_id: str, now: datetime, deps: ActionDeps, *, actor: str) -> Dossier:
    client = _client(deps, client_id)
    then = schedule.planner(client, policy_for(client), now)

    def resume(dossier: Dossier) -> Dossier:
        dossier.resume(then, at=now, actor=actor)
        return dossier

    return deps.uow.change(client_id, debtor_id, resume)


def withdraw_dossier(
    client_id: str, debtor_id: str, reason: str, now: datetime, deps: ActionDeps, *, actor: str
) -> Dossier:
    _client(deps, client_id)

    def withdraw(dossier: Dossier) -> Dossier:
        dossier.withdraw(at=now, actor=actor, reason=reason)
        return dossier

    return deps.uow.change(client_id, debtor_id, withdraw)
