"""The final demand was inserted before the hand-over decision, which moved from step 8 to step 9
in the default policy (from 4 to 5 in wait_for_term). A dossier saved before that carries only its
old step number: after the deploy it must neither be asked about a hand-over twice nor miss the
final demand, and an old follow-up keeps its rhythm."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from chalicelib.adapters.dossier_codec import dossier_from_dict, dossier_to_dict
from chalicelib.domain.debtor_list import DebtorDetails, DebtorType
from chalicelib.domain.dossier import Dossier, Invoice
from chalicelib.domain.policies import (
    FOLLOW_UP,
    Action,
    PolicyError,
    default_policy,
    load_policy,
    policy_from_dict,
)
from tests.unit.test_dunning_walkthrough import WHOLESALER, Calendar, local

OPENED = date(2026, 3, 2)
TODAY = date(2026, 3, 20)


def debtor(kind: DebtorType) -> DebtorDetails:
    return DebtorDetails(
        debtor_id="D-5120", name="Bouwbedrijf Smit B.V.", debtor_type=kind, email="administratie@smit.example"
    )


def saved_before_the_final_demand(kind: DebtorType, step: int, **stored: Any) -> Dossier:
    """The dossier as the code before the final demand stored it: a step number, no step name."""
    dossier = Dossier(client_id=WHOLESALER.client_id, debtor=debtor(kind), opened_on=OPENED)
    dossier.invoices["F-2001"] = Invoice("F-2001", date(2026, 2, 1), 100_000, 100_000)
    data = dossier_to_dict(dossier)
    del data["step_name"]
    data.update(
        step=step, status="reminded", last_step_at=datetime(2026, 3, 17, 7, 30, tzinfo=UTC).isoformat()
    )
    data.update(stored)
    return dossier_from_dict(data, None)


def test_a_business_asked_about_the_hand_over_at_old_step_8_is_not_asked_again() -> None:
    # Dunning resumes without a recorded decline (a broken arrangement, a reversed payment).
    dossier = saved_before_the_final_demand(DebtorType.BUSINESS, 8)
    assert dossier.step_name == "" and dossier.handover_declined_at is None

    step = default_policy().next_step(dossier, WHOLESALER, TODAY)

    # Not step 9, the hand-over decision's new number, but the first follow-up after it.
    assert (step.name, step.step, step.day) == (FOLLOW_UP, 10, 7)


def test_the_same_number_saved_with_its_name_is_the_final_demand_and_the_hand_over_follows() -> None:
    dossier = saved_before_the_final_demand(DebtorType.BUSINESS, 8, step_name="final_demand")

    step = default_policy().next_step(dossier, WHOLESALER, TODAY)

    assert (step.name, step.step, step.action) == ("handover_decision", 9, Action.HANDOVER_DECISION)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [(DebtorType.BUSINESS, ("final_demand", 8)), (DebtorType.CONSUMER, ("handover_decision", 9))],
)
def test_a_dossier_saved_at_the_last_call_moment_gets_the_step_inserted_after_it(
    kind: DebtorType, expected: tuple[str, int]
) -> None:
    dossier = saved_before_the_final_demand(kind, 7)  # call_day_12 then and now

    step = default_policy().next_step(dossier, WHOLESALER, TODAY)

    assert (step.name, step.step) == expected


def test_an_old_follow_up_keeps_the_30_day_rhythm_and_a_fresh_number() -> None:
    # Old step 9 was the first follow-up after the hand-over decision (then step 8).
    dossier = saved_before_the_final_demand(DebtorType.BUSINESS, 9)

    step = default_policy().next_step(dossier, WHOLESALER, TODAY)

    assert (step.name, step.step, step.day) == (FOLLOW_UP, 11, 30)


def test_a_named_follow_up_stays_a_follow_up_when_the_policy_grows() -> None:
    dossier = saved_before_the_final_demand(DebtorType.BUSINESS, 10, step_name=FOLLOW_UP)

    step = default_policy().next_step(dossier, WHOLESALER, TODAY)

    assert (step.name, step.step, step.day) == (FOLLOW_UP, 11, 30)


@pytest.mark.parametrize(
    ("old_step", "expected"),
    [(2, ("final_demand", 4)), (4, (FOLLOW_UP, 6))],
)
def test_wait_for_term_reads_old_business_dossiers_by_name(old_step: int, expected: tuple[str, int]) -> None:
    client = replace(WHOLESALER, policy="wait_for_term")
    dossier = saved_before_the_final_demand(DebtorType.BUSINESS, old_step)

    step = load_policy("wait_for_term").next_step(dossier, client, TODAY)

    assert (step.name, step.step) == expected


def test_a_step_taken_after_the_deploy_keeps_its_name_in_storage() -> None:
    world = Calendar(WHOLESALER)
    world.open(
        WHOLESALER, debtor(DebtorType.BUSINESS), OPENED, Invoice("F-2001", date(2026, 2, 1), 100_000, 100_000)
    )
    world.run(local(2026, 3, 2, 8, 0), local(2026, 3, 2, 9, 0))
    dossier = world.dossiers.get(WHOLESALER.client_id, "D-5120")
    assert dossier is not None

    stored = dossier_from_dict(dossier_to_dict(dossier), None)

    assert (stored.step, stored.step_name) == (2, "precollection_notice")


def test_an_old_dossier_through_the_sweep_gets_the_follow_up_not_a_second_hand_over_request() -> None:
    world = Calendar(WHOLESALER)
    old = saved_before_the_final_demand(
        DebtorType.BUSINESS, 8, next_action_at=datetime(2026, 3, 24, 7, 30, tzinfo=UTC).isoformat()
    )
    world.dossiers.save(old)

    world.run(local(2026, 3, 20, 8, 0), local(2026, 4, 10, 23, 45))

    # The first follow-up, a week after the hand-over question of 17 March; nothing to the client.
    assert [(s.at, s.channel, s.to) for s in world.log] == [
        (local(2026, 3, 24), "email", "administratie@smit.example")
    ]
    dossier = world.dossiers.get(WHOLESALER.client_id, "D-5120")
    assert dossier is not None
    assert (dossier.step, dossier.step_name) == (10, FOLLOW_UP)


def _policy(steps: list[dict[str, Any]], earlier: list[str]) -> dict[str, Any]:
    message = [{"channel": "email", "template": "reminder_1"}]
    return {
        "name": "test",
        "earlier_numbering": {"steps": earlier},
        "steps": [
            {"name": name, "day": day, "action": "message", "messages": message} for name, day in steps
        ],
        "follow_up": {"every_days": 30, "messages": message},
    }


@pytest.mark.parametrize(
    ("steps", "earlier", "error"),
    [
        ([("first", 0), ("second", 7)], ["first", "gone"], "'gone' is no step"),
        # A step moved to a lower number: a dossier would take a number it already used.
        ([("second", 0), ("third", 7)], ["first", "second"], "'first' is no step"),
        ([("second", 0), ("first", 7)], ["first", "second"], "'second' moved down from step 2 to 1"),
        ([("first", 0), ("first", 7)], ["first"], "unique"),
    ],
)
def test_an_earlier_numbering_that_cannot_be_followed_fails_at_load(
    steps: list[tuple[str, int]], earlier: list[str], error: str
) -> None:
    with pytest.raises(PolicyError, match=error):
        policy_from_dict(_policy(steps, earlier))
