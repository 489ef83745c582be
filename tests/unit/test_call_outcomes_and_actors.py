"""What call outcomes record: dates within the client's limit, the signed-in caller as the actor
(never a name from the body; tests/e2e/test_client_login.py checks the routes)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from chalicelib.domain.clients import Client
from chalicelib.domain.dossier import Invoice
from chalicelib.domain.errors import InvalidRequest
from chalicelib.services.call_tasks import CallReport, record_call_outcome
from tests.unit.test_dunning_engine import MEMBER
from tests.unit.test_dunning_walkthrough import CLUB, Calendar, local

# --- call outcomes -------------------------------------------------------------------------------


def called_world(client: Client = CLUB) -> Calendar:
    """Lotte Bakker's dossier with an open call task `step-3` on Thursday 4 June 2026."""
    world = Calendar(client)
    world.open(client, MEMBER, date(2026, 6, 1), Invoice("C-9", date(2026, 5, 1), 7_500, 7_500))
    world.run(local(2026, 6, 1, 8, 0), local(2026, 6, 4, 12, 0))
    return world


def promise(world: Calendar, client: Client, on: date) -> None:
    report = CallReport.from_json({"outcome": "promise_to_pay", "promised_on": on.isoformat()})
    record_call_outcome(
        client.client_id, "L-9", "step-3", report, local(2026, 6, 4, 12, 5), world.deps(), actor="a"
    )


@pytest.mark.parametrize("promised_on", [date(9999, 12, 31), date(2099, 1, 1), date(2026, 7, 5)])
def test_a_promise_beyond_the_clients_limit_is_refused_with_the_last_allowed_day(promised_on: date) -> None:
    world = called_world()
    with pytest.raises(InvalidRequest, match=r"2026-07-04, at most 30 days ahead"):
        promise(world, CLUB, promised_on)


def test_a_promise_within_the_limit_is_taken_and_the_limit_is_the_clients_setting() -> None:
    world = called_world()
    promise(world, CLUB, date(2026, 6, 4) + timedelta(days=30))

    patient = replace(CLUB, promise_max_days=60)
    world = called_world(patient)
    promise(world, patient, date(2026, 6, 4) + timedelta(days=45))
    with pytest.raises(InvalidRequest, match="at most 60 days"):
        promise(world, patient, date(2026, 6, 4) + timedelta(days=61))


def test_a_limit_beyond_the_calendar_does_not_overflow() -> None:
    boundless = replace(CLUB, promise_max_days=10**9)
    world = called_world(boundless)
    promise(world, boundless, date(2026, 8, 1))


def test_the_actor_of_a_call_outcome_is_the_signed_caller_and_the_bodys_name_a_detail() -> None:
    world = called_world()
    report = CallReport.from_json({"outcome": "no_answer", "caller": "Noor", "note": "voicemail"})
    record_call_outcome(
        CLUB.client_id, "L-9", "step-3", report, local(2026, 6, 4, 12, 5), world.deps(), actor="callteam-anna"
    )
    [event] = [e for e in world.dossiers.events(CLUB.client_id, "L-9") if e.what == "call_outcome_recorded"]
    assert event.actor == "callteam-anna"
    dossier = world.dossiers.get(CLUB.client_id, "L-9")
    assert dossier is not None
    assert dossier.call_tasks[0].note == "[Noor] voicemail"
