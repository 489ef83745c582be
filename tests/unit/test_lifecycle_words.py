"""A refused change of a dossier is told in words, for every state and every step of the table."""

from __future__ import annotations

import pytest

from chalicelib.domain.dossier.lifecycle import Status, Trigger
from chalicelib.domain.errors import TransitionNotAllowed


def test_a_refused_hand_over_names_the_state_and_the_request_in_words() -> None:
    error = TransitionNotAllowed(Status.REMINDED.value, Trigger.CLIENT_APPROVED_HANDOVER.value)

    assert (
        str(error)
        == "a dossier that is being reminded cannot be handed over (no hand-over decision is pending)"
    )


@pytest.mark.parametrize("trigger", list(Trigger))
@pytest.mark.parametrize("status", list(Status))
def test_no_refusal_shows_an_internal_name(status: Status, trigger: Trigger) -> None:
    message = str(TransitionNotAllowed(status.value, trigger.value))

    assert "_" not in message and trigger.value not in message
