"""The owner's decisions from the dossier page: each form's fields become the same request the
JSON route parses (the services' own `from_json` checks), then one existing use case runs as the
signed-in user."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from chalicelib import aws_events, bootstrap
from chalicelib.domain.access import Caller
from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.schedule import local_day
from chalicelib.web import forms


def _now() -> datetime:
    return bootstrap.now().astimezone(UTC)


def _handover(caller: Caller, debtor_id: str, fields: dict[str, list[str]]) -> None:
    from chalicelib.services.handover import HandoverDecision, decide_handover

    choice = forms.first(fields, "decision")
    body = {"decision": "decline", "continue": False} if choice == "decline_pause" else {"decision": choice}
    decide_handover(
        caller.client_id,
        debtor_id,
        HandoverDecision.from_json(body),
        _now(),
        bootstrap.action_deps(),
        actor=caller.actor,
    )


def _dispute(caller: Caller, debtor_id: str, fields: dict[str, list[str]]) -> None:
    from chalicelib.services.disputes import DisputeDecision, decide_dispute

    invoices = [n.strip()[:100] for n in fields.get("invoice", []) if n.strip()][:100]
    body = {
        "invoices": invoices,
        "decision": forms.first(fields, "decision"),
        "note": forms.first(fields, "note"),
    }
    decide_dispute(
        caller.client_id,
        debtor_id,
        DisputeDecision.from_json(body),
        _now(),
        bootstrap.action_deps(),
        actor=caller.actor,
    )


def _arrangement(caller: Caller, debtor_id: str, fields: dict[str, list[str]]) -> None:
    from chalicelib.services.arrangements import create_arrangement

    count = forms.first(fields, "installments")
    if not count.isdigit():
        raise InvalidRequest("the number of installments is not a number")
    request = aws_events.arrangement_request({"installments": int(count), "approved_by_client": True})
    create_arrangement(
        caller.client_id, debtor_id, request, _now(), bootstrap.action_deps(), actor=caller.actor
    )


def _pause(caller: Caller, debtor_id: str, fields: dict[str, list[str]]) -> None:
    from chalicelib.services.client_decisions import PauseRequest, pause_dunning

    now = _now()
    request = PauseRequest.from_json({"until": forms.first(fields, "until")}, local_day(now))
    pause_dunning(
        caller.client_id, debtor_id, request.until, now, bootstrap.action_deps(), actor=caller.actor
    )


def _resume(caller: Caller, debtor_id: str, fields: dict[str, list[str]]) -> None:
    from chalicelib.services.client_decisions import resume_dunning

    resume_dunning(caller.client_id, debtor_id, _now(), bootstrap.action_deps(), actor=caller.actor)


def _withdraw(caller: Caller, debtor_id: str, fields: dict[str, list[str]]) -> None:
    from chalicelib.services.client_decisions import reason_from_json, withdraw_dossier

    reason = reason_from_json({"reason": forms.first(fields, "reason")[:500]})
    withdraw_dossier(caller.client_id, debtor_id, reason, _now(), bootstrap.action_deps(), actor=caller.actor)


# Form actions by the name in the URL; each is one existing use case, as the JSON routes call it.
ACTIONS: dict[str, Callable[[Caller, str, dict[str, list[str]]], None]] = {
    "handover": _handover,
    "dispute": _dispute,
    "arrangement": _arrangement,
    "pause": _pause,
    "resume": _resume,
    "withdraw": _withdraw,
}
