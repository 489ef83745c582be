"""Letters posted by the print-and-mail partner: the 14-day term runs from the posting date it
reports, no costs become due before that report, and a letter it never reports raises the alarm."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from chalicelib.domain.dossier import Invoice
from chalicelib.domain.money import format_eur
from chalicelib.services.posting import record_posting_report, unreported_letters
from tests.fakes import FakePrintPartner
from tests.unit.test_dunning_walkthrough import CLUB, Calendar, local, pdf_text
from tests.unit.test_letters_by_post import POSTAL_ONLY_MEMBER

PRINTED = replace(CLUB, print_partner=True, phone_contact=False)


def world_with_a_posted_member() -> tuple[Calendar, FakePrintPartner]:
    world = Calendar(PRINTED)
    printer = FakePrintPartner()
    original = world.deps

    def deps():  # type: ignore[no-untyped-def]
        return replace(original(), printer=printer)

    world.deps = deps  # type: ignore[method-assign]
    member = POSTAL_ONLY_MEMBER
    # Opened on Monday 2 March 2026; the 14-day letter goes with the second reminder on day 7.
    world.open(PRINTED, member, date(2026, 3, 2), Invoice("C-2026-02", date(2026, 2, 15), 7_500, 7_500))
    world.run(local(2026, 3, 2, 8, 0), local(2026, 3, 9, 12, 0))
    return world, printer


def report(world: Calendar, name: str, postings: list[dict[str, str]]) -> str:
    key = f"posted/{PRINTED.client_id}/{name}"
    world.files.files[key] = json.dumps({"postings": postings}).encode()
    return key


def test_the_letter_goes_to_the_print_partner_and_its_term_waits_for_the_posting_report() -> None:
    world, printer = world_with_a_posted_member()

    jobs = [job for job, _ in printer.jobs]
    assert [(j.letter_id, j.template, j.handed_over_on) for j in jobs] == [
        ("hc-de-ijsvogels/L-0977/1", "reminder_letter", date(2026, 3, 2)),
        ("hc-de-ijsvogels/L-0977/5", "fourteen_day_letter", date(2026, 3, 9)),
    ]
    assert jobs[1].recipient_lines == ("Ĳsbrand Doğan", "Dorpsstraat 3", "3732 HJ De Bilt")
    dossier = world.dossiers.get(PRINTED.client_id, "L-0977")
    assert dossier is not None and dossier.fourteen_day_letter is not None
    assert not dossier.fourteen_day_letter.posting_reported
    letter = next(m for m in dossier.messages if m.template == "fourteen_day_letter")
    assert letter.provider_id == "print/2026-03-09/hc-de-ijsvogels/L-0977-5.manifest.json"
    assert letter.posted_on is None

    # The partner posted it two days later, on Wednesday 11 March: presumed received Friday
    # the 13th, last day Friday 27 March, costs due from Saturday 28 March.
    key = report(
        world, "batch-1.json", [{"letter_id": "hc-de-ijsvogels/L-0977/5", "posted_on": "2026-03-11"}]
    )
    result = record_posting_report(PRINTED.client_id, key, local(2026, 3, 12, 7, 0), world.deps())

    assert (result.recorded, result.repeated, result.refused) == (1, 0, [])
    dossier = world.dossiers.get(PRINTED.client_id, "L-0977")
    assert dossier is not None and dossier.fourteen_day_letter is not None
    term = dossier.fourteen_day_letter
    assert (term.posted_on, term.presumed_receipt, term.last_day, term.costs_due_from) == (
        date(2026, 3, 11),
        date(2026, 3, 13),
        date(2026, 3, 27),
        date(2026, 3, 28),
    )
    assert term.posting_reported
    assert (
        json.loads(world.files.files["reports/hc-de-ijsvogels/posted/batch-1.json.result.json"])["recorded"]
        == 1
    )

    # The step's own day would have ended the term on 25 March: no costs until the 28th.
    world.run(local(2026, 3, 12, 8, 0), local(2026, 3, 27, 23, 45))
    dossier = world.dossiers.get(PRINTED.client_id, "L-0977")
    assert dossier is not None and dossier.open_costs_cents == 0
    world.run(local(2026, 3, 28, 0, 0), local(2026, 3, 28, 12, 0))
    dossier = world.dossiers.get(PRINTED.client_id, "L-0977")
    assert dossier is not None and dossier.open_costs_cents == 4_000


def test_a_report_is_recorded_once_and_foreign_or_impossible_postings_are_refused() -> None:
    world, _ = world_with_a_posted_member()
    postings = [
        {"letter_id": "hc-de-ijsvogels/L-0977/5", "posted_on": "2026-03-10"},
        {"letter_id": "vv-elders/L-0977/5", "posted_on": "2026-03-10"},
        {"letter_id": "hc-de-ijsvogels/L-0977/5", "posted_on": "2026-04-01"},
        {"letter_id": "hc-de-ijsvogels/L-0977/3", "posted_on": "2026-03-10"},
        {"letter_id": "hc-de-ijsvogels/L-9999/5", "posted_on": "2026-03-10"},
    ]
    key = report(world, "batch-2.json", postings)
    first = record_posting_report(PRINTED.client_id, key, local(2026, 3, 11, 7), world.deps())
    again = record_posting_report(PRINTED.client_id, key, local(2026, 3, 11, 8), world.deps())

    assert first.recorded == 1 and again.recorded == 0 and again.repeated == 1
    assert [r["reason"] for r in first.refused] == [
        "letter_id is not <this client>/<debtor>/<step>",
        "posted_on lies in the future",
        "no letter of that step",
        "no such dossier",
    ]
    events = [e.what for e in world.dossiers.events(PRINTED.client_id, "L-0977")]
    assert events.count("letter_posted") == 1

    broken = report(world, "broken.json", [])
    world.files.files[broken] = b"not json"
    assert record_posting_report(PRINTED.client_id, broken, local(2026, 3, 11, 9), world.deps()).refused


def test_a_letter_not_reported_posted_within_three_working_days_raises_the_alarm() -> None:
    world, _ = world_with_a_posted_member()
    key = report(world, "first.json", [{"letter_id": "hc-de-ijsvogels/L-0977/1", "posted_on": "2026-03-02"}])
    record_posting_report(PRINTED.client_id, key, local(2026, 3, 3, 7), world.deps())

    # Handed over Monday 9 March: the report is due by Thursday 12 March.
    assert unreported_letters(PRINTED.client_id, local(2026, 3, 12, 20), world.dossiers, world.files) == []
    overdue = unreported_letters(PRINTED.client_id, local(2026, 3, 13, 5), world.dossiers, world.files)

    assert [(u.debtor_id, u.step, u.report_due_by) for u in overdue] == [("L-0977", 5, date(2026, 3, 12))]
    dashboard = json.loads(world.files.files["state/hc-de-ijsvogels/letters-not-posted.json"])
    assert dashboard == {
        "as_of": "2026-03-13",
        "letters": [
            {
                "letter_id": "hc-de-ijsvogels/L-0977/5",
                "template": "fourteen_day_letter",
                "handed_over_on": "2026-03-09",
                "report_due_by": "2026-03-12",
            }
        ],
    }


@pytest.mark.parametrize(("approved_on", "costs_cents"), [(date(2026, 4, 7), 0), (date(2026, 4, 8), 4_000)])
def test_a_later_posting_date_takes_back_costs_charged_before_its_term_and_charges_them_once(
    approved_on: date, costs_cents: int
) -> None:
    from chalicelib.services.handover import Decision, HandoverDecision, decide_handover

    world, _ = world_with_a_posted_member()
    first = report(
        world, "batch-1.json", [{"letter_id": "hc-de-ijsvogels/L-0977/5", "posted_on": "2026-03-11"}]
    )
    record_posting_report(PRINTED.client_id, first, local(2026, 3, 12, 7, 0), world.deps())
    world.run(local(2026, 3, 12, 8, 0), local(2026, 3, 28, 12, 0))
    dossier = world.dossiers.get(PRINTED.client_id, "L-0977")
    assert dossier is not None and dossier.open_costs_cents == 4_000

    # The partner corrects its report: the letter left on Wednesday 18 March, so it is presumed
    # received on Friday the 20th; fourteen days end on Friday 3 April, which is Good Friday, so
    # the last day is Tuesday 7 April after Easter (Algemene termijnenwet) and costs are due from the 8th.
    corrected = report(
        world,
        "batch-1-corrected.json",
        [{"letter_id": "hc-de-ijsvogels/L-0977/5", "posted_on": "2026-03-18"}],
    )
    assert (
        record_posting_report(PRINTED.client_id, corrected, local(2026, 3, 30, 7, 0), world.deps()).recorded
        == 1
    )

    dossier = world.dossiers.get(PRINTED.client_id, "L-0977")
    assert dossier is not None and dossier.fourteen_day_letter is not None
    assert dossier.fourteen_day_letter.costs_due_from == date(2026, 4, 8)
    assert dossier.fourteen_day_letter.costs_cents == 4_000  # as the letter announced them
    assert dossier.open_costs_cents == 0
    assert dossier.due_cents == 7_500 + dossier.open_interest_cents

    # The client's answer charges what is due that day: nothing before the new term has run,
    # the letter's costs once after it (not again beside those charged under the first date).
    result = decide_handover(
        PRINTED.client_id,
        "L-0977",
        HandoverDecision(Decision.APPROVE),
        local(approved_on.year, approved_on.month, approved_on.day, 10),
        world.deps(),
    )
    dossier = world.dossiers.get(PRINTED.client_id, "L-0977")
    assert dossier is not None
    assert dossier.open_costs_cents == costs_cents
    assert result.summary_key is not None
    summary = pdf_text(world.files.files[result.summary_key])
    assert f"Incassokosten: {format_eur(costs_cents)}" in summary
