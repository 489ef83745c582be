"""The replay test and the fault matrix (`make chaos`): the demo story delivered twice and shuffled,
and with a fault at each step, ends as a clean run does: same dossiers, same messages sent once,
same payment links, nothing lost."""

from __future__ import annotations

import random
import time

import pytest

from tests.chaos.matrix import record_row
from tests.chaos.story import FAULTS, Fault, Outcome, Story, differences, summary, world

_REFERENCE: list[Outcome] = []


def reference(monkeypatch: pytest.MonkeyPatch) -> Outcome:
    """The clean run's outcome (deterministic: computed once per worker)."""
    if not _REFERENCE:
        with world(monkeypatch) as pipeline:
            _REFERENCE.append(Story(pipeline).play())
    return _REFERENCE[0]


def test_a_clean_run_tells_a_whole_story(monkeypatch: pytest.MonkeyPatch) -> None:
    started = time.monotonic()
    clean = reference(monkeypatch)
    print(f"\nclean run: {summary(clean)} in {time.monotonic() - started:.1f} s")
    assert clean.lost == []
    assert clean.dossiers["10001"][0] == "paid"
    assert sum(clean.emails.values()) > len(clean.dossiers)  # day 0 and day 7
    assert sum(clean.sms.values()) >= 1  # the bounced debtor is reminded by SMS on day 7
    assert clean.mollie_links >= len(clean.dossiers) - 1


@pytest.mark.parametrize("seed", [1, 2])
def test_every_event_twice_and_shuffled_ends_as_a_clean_run(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    clean = reference(monkeypatch)
    with world(monkeypatch) as pipeline:
        replayed = Story(pipeline, twice=True, rng=random.Random(seed)).play()
    assert differences(clean, replayed) == []


# Found by this matrix and not fixed yet (each xfail is strict: fixing one makes its test fail
# until the mark goes). The dunning step is claimed before its messages go out and a failed
# channel fails the whole action, so:
# - a send SES refuses (throttle, reject) or an S3 failure after the send (the copy in sent/)
#   leaves that reminder unsent for good: the claim errs on the side of silence even where the
#   refusal proves nothing went out;
# - an SMS refused after the same action's e-mail went out makes the retry send the e-mail again
#   and never the SMS.
KNOWN_GAPS = {
    "S3 500": "an S3 failure while keeping the sent copy leaves two reminders unsent",
    "SES throttled": "a throttled SendEmail is not retried: two reminders never go out",
    "SES rejects": "a rejected SendEmail leaves two reminders unsent and unmarked",
    "SNS throttled": "a throttled SMS makes the retry send the e-mail twice and the SMS never",
    "SNS rejects": "a rejected SMS makes the retry send the e-mail twice and the SMS never",
    # Seen: after a lost response to the import's first write, debtor 10001 had no payment link
    # when the story reached the webhook (cause not yet traced).
    "DynamoDB write, response lost": "a lost write response while importing leaves the payer without a link",
    # Seen once the debtor's page, the client counters and the lists work were merged together (it
    # passed on each alone): a Mollie timeout during the day-0 actions leaves one dossier open
    # with its two reminders unsent and different payment-link amounts (cause not yet traced).
    "Mollie timeout": "a Mollie timeout during the day-0 actions leaves a dossier unreminded",
}


def marked(fault: Fault) -> object:
    gap = KNOWN_GAPS.get(fault.name)
    marks = [pytest.mark.xfail(strict=True, reason=gap)] if gap else []
    return pytest.param(fault, id=fault.name, marks=marks)


@pytest.mark.parametrize("fault", [marked(f) for f in FAULTS])
def test_a_fault_at_every_step_loses_nothing_sends_nothing_twice_and_the_story_completes(
    monkeypatch: pytest.MonkeyPatch, fault: Fault
) -> None:
    clean = reference(monkeypatch)
    with world(monkeypatch) as pipeline:
        story = Story(pipeline, fault=fault)
        try:
            outcome = story.play()
        except Exception as error:  # the story itself broke: that is a cell of the matrix too
            record_row(fault.name, story.fired, [f"the story stopped: {type(error).__name__}: {error}"])
            raise
    found = differences(clean, outcome)
    record_row(fault.name, story.fired, found)
    assert any(story.fired.values()), f"{fault.name} never fired: the story does not reach it"
    assert found == []
