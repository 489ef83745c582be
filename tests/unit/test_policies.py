"""Policies are data: the default file loads into the steps the reference service describes, and a
file with a typo fails at load time instead of skipping a legally required letter."""

from __future__ import annotations

import pytest

from chalicelib.domain.policies import (
    Action,
    Channel,
    PolicyError,
    default_policy,
    load_policy,
    policy_from_dict,
)


def test_the_default_policy_is_the_reference_rhythm_with_call_moments_every_three_days() -> None:
    steps = [(s.step, s.day, s.action, s.name) for s in default_policy().steps]
    assert steps == [
        (1, 0, Action.MESSAGE, "first_reminder"),
        (2, 0, Action.MESSAGE, "precollection_notice"),
        (3, 3, Action.CALL, "call_day_3"),
        (4, 6, Action.CALL, "call_day_6"),
        (5, 7, Action.MESSAGE, "second_reminder"),
        (6, 9, Action.CALL, "call_day_9"),
        (7, 12, Action.CALL, "call_day_12"),
        (8, 15, Action.MESSAGE, "final_demand"),
        (9, 15, Action.HANDOVER_DECISION, "handover_decision"),
    ]
    second = default_policy().steps[4]
    # The 14-day letter, e-mail, WhatsApp (with consent) or SMS, and the reminder letter for a
    # debtor reachable only by post.
    assert [m.channel for m in second.messages] == [
        Channel.LETTER,
        Channel.EMAIL,
        Channel.WHATSAPP,
        Channel.SMS,
        Channel.LETTER,
    ]
    assert default_policy().steps[7].term_days == 7


def test_every_policy_file_loads() -> None:
    assert load_policy("wait_for_term").steps[2].not_before


@pytest.mark.parametrize(
    ("step", "error"),
    [
        ({"day": 0, "action": "message", "messages": [{"channel": "fax", "template": "x"}]}, "fax"),
        (
            {
                "day": 0,
                "action": "message",
                "only_if": ["consumers"],
                "messages": [{"channel": "email", "template": "x"}],
            },
            "consumers",
        ),
        ({"day": -1, "action": "message", "messages": [{"channel": "email", "template": "x"}]}, "negative"),
        ({"day": 0, "action": "message", "messages": []}, "at least one message"),
        # A notice of default must give its final term (BW 6:82; DOMAIN.md §10).
        (
            {"day": 15, "action": "message", "messages": [{"channel": "letter", "template": "final_demand"}]},
            "term_days",
        ),
    ],
)
def test_a_policy_with_a_mistake_is_refused(step: dict[str, object], error: str) -> None:
    with pytest.raises(PolicyError, match=error):
        policy_from_dict({"name": "broken", "steps": [step]})


def test_an_unknown_policy_name_is_refused() -> None:
    with pytest.raises(PolicyError):
        load_policy("../secrets")
