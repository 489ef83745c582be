"""`debtflow simulate`: the demo list played for 120 days through the real handlers, with scripted
debtors and client, as a user reads the outcome (JSON, text, the files of --out)."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib.cli import main
from chalicelib.domain.contact_window import is_contact_allowed
from infra.local.simulation_report import DEBTOR_CHANNELS

DEMO_LIST = Path(__file__).resolve().parents[1] / "fixtures" / "lists" / "demo_club.csv"
# --start's default: Monday 7 December 2026, 09:00 in Amsterdam.
DAY_0 = date(2026, 12, 7)
DEMO_DEBTORS = [f"100{n:02d}" for n in range(1, 13)]

# One story for most tests: each debtor below does one thing, the others are left alone.
STORY = [
    {"day": 2, "debtor": "10008", "do": "bounce_email"},
    {"day": 3, "debtor": "10002", "do": "pay"},
    {"day": 4, "debtor": "10003", "do": "pay_partial", "amount_cents": 50_000},
    {"day": 5, "debtor": "10007", "do": "arrangement", "installments": 2},
    {"day": 6, "debtor": "10007", "do": "pay_installment", "at": "19:30"},
    {"day": 16, "debtor": "10001", "do": "approve_handover"},
    {"day": 16, "debtor": "10005", "do": "decline_handover"},
    {"day": 30, "debtor": "10011", "do": "upload", "list": "without-10011.csv"},
    # The second installment's link goes out seven days before it is due (19 January).
    {"day": 44, "debtor": "10007", "do": "pay_installment"},
]


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def report(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.out)
        return parsed

    def debtor(self, debtor_id: str) -> dict[str, Any]:
        return next(d for d in self.report["debtors"] if d["debtor"] == debtor_id)


def simulate(*args: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["simulate", *args])
    return Run(code, out.getvalue(), err.getvalue())


def write_events(folder: Path, events: list[dict[str, Any]]) -> Path:
    path = folder / "events.json"
    path.write_text(json.dumps(events), "utf-8")
    return path


@pytest.fixture(scope="module")
def story_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("story")
    later = [line for line in DEMO_LIST.read_text("utf-8").splitlines() if not line.startswith("10011;")]
    (folder / "without-10011.csv").write_text("\n".join(later) + "\n", "utf-8")
    write_events(folder, STORY)
    return folder


@pytest.fixture(scope="module")
def story(story_folder: Path) -> Run:
    run = simulate(
        str(DEMO_LIST), "--days", "120", "--events", str(story_folder / "events.json"), "--json",
        "--out", str(story_folder / "sent"),
    )  # fmt: skip
    assert run.code == 0, run.err
    return run


def sent(debtor: dict[str, Any], channels: tuple[str, ...] = DEBTOR_CHANNELS) -> list[dict[str, Any]]:
    return [e for e in debtor["timeline"] if e["what"] == "message_sent" and e["channel"] in channels]


def local_day(entry: dict[str, Any]) -> date:
    return datetime.fromisoformat(entry["at"]).date()


# --- the demo list, 120 days --------------------------------------------------------------------------


def test_every_debtor_of_the_list_is_in_the_outcome_with_its_state_and_amounts(story: Run) -> None:
    report = story.report
    assert [d["debtor"] for d in report["debtors"]] == DEMO_DEBTORS
    assert report["start"] == "2026-12-07T09:00+01:00"
    assert report["end"] == "2027-04-06T09:00+02:00"
    smit = story.debtor("10003")
    assert smit["name"] == "Bakkerij Smit B.V."
    assert {"status", "next_action_at", "waiting_for", "open_cents", "costs_cents", "interest_cents"} <= set(
        smit
    )


BUSINESSES = ("10006", "10009", "10012")


def test_first_reminders_go_out_on_day_0_and_second_on_day_7_then_the_follow_up_rhythm(story: Run) -> None:
    for debtor_id in ("10004", *BUSINESSES):
        business = debtor_id in BUSINESSES
        templates = [(local_day(m), m["template"]) for m in sent(story.debtor(debtor_id), ("email",))]
        assert templates[:2] == [(DAY_0, "reminder_1"), (date(2026, 12, 14), "reminder_2")], debtor_id
        if business:
            # Day 15: the final demand and notice of default (DOMAIN.md §10).
            assert templates[2] == (date(2026, 12, 22), "final_demand"), debtor_id
        # The club never decided: after its reminders the file goes on, a week later and then
        # every 30 days (for the consumer the first falls on Tuesday 19 January, inside the
        # contact window; a business was asked later, after the final demand's term).
        follow_ups = [day for day, template in templates[2:] if template == "reminder_follow_up"]
        assert follow_ups[0] == (date(2027, 1, 30) if business else date(2027, 1, 19)), debtor_id
        assert all((b - a).days >= 30 for a, b in itertools.pairwise(follow_ups)), debtor_id
        assert len(follow_ups) == len(templates) - (3 if business else 2) >= 3, debtor_id


def test_day_15_asks_the_client_who_is_reminded_and_the_file_never_goes_silent(story: Run) -> None:
    for debtor_id in ("10004", *BUSINESSES):
        debtor = story.debtor(debtor_id)
        to_client = [(local_day(m), m["template"]) for m in sent(debtor, ("email-client",))]
        # A business's final demand of 22 December, sent by e-mail, is presumed received on the
        # 24th; its 7 days end on 31 December; New Year's Day is a holiday: asked on 2 January.
        asked = date(2027, 1, 2) if debtor_id in BUSINESSES else date(2026, 12, 22)
        # The question itself goes in the client's daily digest; the reminders still go per file.
        requested = [local_day(e) for e in debtor["timeline"] if e["what"] == "handover_decision_requested"]
        assert requested == [asked], debtor_id
        assert to_client == [
            (asked + timedelta(days=7), "handover_reminder"),
            (asked + timedelta(days=14), "handover_reminder"),
        ], debtor_id
        whats = [e["what"] for e in debtor["timeline"]]
        assert "handover_decision_lapsed" in whats
        assert debtor["status"] == "reminded" and debtor["next_action_at"] is not None
        assert debtor["open_cents"] > 0


def test_every_message_to_a_debtor_falls_inside_the_contact_window(story: Run) -> None:
    messages = [m for d in story.report["debtors"] for m in sent(d)]
    assert len(messages) > 30
    outside = [m for m in messages if not is_contact_allowed(datetime.fromisoformat(m["at"]))]
    assert outside == []


def test_the_readable_output_shows_each_debtor_and_a_summary(story_folder: Path) -> None:
    run = simulate(str(DEMO_LIST), "--days", "8")
    assert run.code == 0, run.err
    assert "10003    Bakkerij Smit B.V." in run.out
    # A business owes the BIK scale and commercial interest from day 0 (250.58 + 22.14).
    assert "ma 07-12-2026 09:00  message sent [email] reminder_1 € 1.942,72" in run.out
    assert run.out.splitlines()[-1].startswith("Messages sent: 24 email, 10 sms.")


# --- scripted debtors and client ----------------------------------------------------------------------


def test_a_debtor_who_pays_on_day_3_is_paid_and_hears_nothing_more(story: Run) -> None:
    fatima = story.debtor("10002")
    assert (fatima["status"], fatima["open_cents"], fatima["next_action_at"]) == ("paid", 0, None)
    paid_at = next(e["at"] for e in fatima["timeline"] if e["what"] == "payment_received")
    assert local_day({"at": paid_at}) == date(2026, 12, 10)
    assert [m for m in sent(fatima) if m["at"] > paid_at] == []


def test_a_partial_payment_lowers_what_is_due_by_exactly_that_amount(story: Run) -> None:
    smit = story.debtor("10003")
    (payment,) = [e for e in smit["timeline"] if e["what"] == "payment_received"]
    assert payment["amount_cents"] == 50_000
    emails = sent(smit, ("email",))
    before = [m for m in emails if m["at"] < payment["at"]][-1]
    after = next(m for m in emails if m["at"] > payment["at"])
    # The next reminder asks for what is left: 500.00 less, plus only the interest that ran
    # meanwhile on what stayed open (costs and interest were paid first, BW 6:44).
    accrued = after["amount_cents"] - (before["amount_cents"] - 50_000)
    assert 0 <= accrued < 1_000


def test_an_approved_hand_over_hands_the_dossier_over(story: Run) -> None:
    jan = story.debtor("10001")
    assert jan["status"] == "handed_over"
    whats = [e["what"] for e in jan["timeline"]]
    assert whats[-3:] == ["scripted", "client_approved_handover", "next_action_planned"]
    assert jan["next_action_at"] is None and jan["waiting_for"] is None


def test_a_declined_hand_over_goes_back_to_reminding_and_the_timeline_goes_on(story: Run) -> None:
    sanne = story.debtor("10005")
    assert sanne["status"] == "reminded"
    whats = [e["what"] for e in sanne["timeline"]]
    assert whats.index("client_declined_handover") > whats.index("handover_decision_requested")


def test_an_arrangement_sends_installment_links_that_the_debtor_pays(story: Run) -> None:
    mohammed = story.debtor("10007")
    installments = [m for m in sent(mohammed, ("email",)) if m["template"] == "installment_due"]
    assert [m["amount_cents"] for m in installments] == [9_250, 9_250]
    payments = [e for e in mohammed["timeline"] if e["what"] == "payment_received"]
    assert [p["amount_cents"] for p in payments] == [9_250, 9_250]
    assert (mohammed["status"], mohammed["open_cents"]) == ("paid", 0)


def test_after_a_bounce_later_steps_do_not_use_e_mail(story: Run) -> None:
    lotte = story.debtor("10008")
    bounced_at = next(e["at"] for e in lotte["timeline"] if e["what"] == "email_address_rejected")
    later = [m for m in sent(lotte) if m["at"] > bounced_at]
    assert later and all(m["channel"] != "email" for m in later)


def test_a_later_list_without_a_debtor_settles_that_dossier_by_the_client(story: Run) -> None:
    eva = story.debtor("10011")
    assert (eva["status"], eva["open_cents"]) == ("settled_by_client", 0)
    settled = next(e for e in eva["timeline"] if e["what"] == "invoice_settled_by_client")
    assert local_day(settled) == date(2027, 1, 6)
    assert [m for m in sent(eva) if m["at"] > settled["at"]] == []


def test_out_writes_every_message_in_one_folder_per_debtor(story: Run, story_folder: Path) -> None:
    folder = story_folder / "sent"
    assert sorted(p.name for p in folder.iterdir()) == DEMO_DEBTORS
    smit = folder / "10003"
    first = (smit / "1-email.txt").read_text("utf-8")
    assert first.startswith("To: boekhouding@bakkerijsmit.example\nSubject: ")
    assert "2026-0388" in first
    assert (smit / "1-email-reminder_1.html").read_text("utf-8").lstrip().lower().startswith("<!doctype html")
    assert (folder / "10001" / "1-sms.txt").read_text("utf-8").startswith("To: +31612345678")


# --- an arrangement agreed on a Sunday ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def sunday_arrangement(tmp_path_factory: pytest.TempPathFactory) -> Run:
    # Agreed on Sunday 13 December; the dossier is swept at once.
    events = write_events(
        tmp_path_factory.mktemp("sunday"),
        [{"day": 6, "debtor": "10002", "do": "arrangement", "installments": 2}],
    )
    run = simulate(str(DEMO_LIST), "--days", "45", "--events", str(events), "--json")
    assert run.code == 0, run.err
    return run


def test_every_installment_gets_its_message_even_after_a_missed_one(sunday_arrangement: Run) -> None:
    timeline = sunday_arrangement.debtor("10002")["timeline"]
    assert [e for e in timeline if e["what"] == "error"] == []
    debtor_mail = [m["template"] for m in sent(sunday_arrangement.debtor("10002")) if m["channel"] != "sms"]
    # The confirmation, installment 1 (Monday, not Sunday), its miss, then installment 2's link.
    assert debtor_mail[-4:] == [
        "arrangement_confirmation",
        "installment_due",
        "installment_missed",
        "installment_due",
    ]


def test_installment_messages_respect_the_contact_window(sunday_arrangement: Run) -> None:
    messages = sent(sunday_arrangement.debtor("10002"))
    assert all(is_contact_allowed(datetime.fromisoformat(m["at"])) for m in messages)


# --- refused input ---------------------------------------------------------------------------------------


def test_a_missing_list_file_exits_2_with_the_reason(tmp_path: Path) -> None:
    run = simulate(str(tmp_path / "nowhere.csv"))
    assert run.code == 2
    assert "nowhere.csv: cannot open the list" in run.err
    assert "Traceback" not in run.err


def test_an_events_file_that_is_not_json_exits_2(tmp_path: Path) -> None:
    events = tmp_path / "events.json"
    events.write_text("[{day: 3}]", "utf-8")
    run = simulate(str(DEMO_LIST), "--events", str(events))
    assert run.code == 2
    assert "the events file is not JSON (line 1, column 3" in run.err


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({"day": 1, "debtor": "10001", "do": "dance"}, "event 1: unknown do 'dance'"),
        ({"day": 1, "debtor": "99999", "do": "pay"}, "event 1: unknown debtor '99999'"),
        ({"day": 1, "debtor": "10001", "do": "pay_partial"}, "event 1: pay_partial needs 'amount_cents'"),
        ({"day": 121, "debtor": "10001", "do": "pay"}, "event 1: day 121 at 12:00 is outside the run"),
        (
            {"day": 1, "debtor": "10001", "do": "dispute", "invoices": ["1"], "reason": "x"},
            "event 1: reason must be",
        ),
    ],
)
def test_a_bad_event_exits_2_naming_its_index_and_reason(
    tmp_path: Path, event: dict[str, Any], reason: str
) -> None:
    events = write_events(tmp_path, [{"day": 0, "debtor": "10001", "do": "pay"}, event])
    run = simulate(str(DEMO_LIST), "--events", str(events))
    assert run.code == 2
    assert reason in run.err
    assert "Traceback" not in run.err


def test_unknown_client_profile_fields_exit_2_naming_them(tmp_path: Path) -> None:
    profile = tmp_path / "client.json"
    profile.write_text(json.dumps({"phone_contact": True, "colour": "blue", "dunning": 3}), "utf-8")
    run = simulate(str(DEMO_LIST), "--client", str(profile))
    assert run.code == 2
    assert "unknown client field(s): colour, dunning" in run.err


# --- the dispute, pause, resume and withdraw routes --------------------------------------------------------

ROUTE_STORY = [
    {"day": 2, "debtor": "10009", "do": "dispute", "invoices": ["2026-0401"], "reason": "already_paid"},
    {"day": 2, "debtor": "10012", "do": "dispute", "invoices": ["2026-0366"], "reason": "amount_wrong"},
    {"day": 4, "debtor": "10012", "do": "client_upholds_dispute", "invoices": ["2026-0366"]},
    {"day": 2, "debtor": "10006", "do": "dispute", "invoices": ["2026-0377"], "reason": "not_delivered"},
    {"day": 4, "debtor": "10006", "do": "client_credits_dispute", "invoices": ["2026-0377"]},
    {"day": 3, "debtor": "10004", "do": "pause_until", "date": "2027-01-11"},
    {"day": 3, "debtor": "10010", "do": "pause_until", "date": "2027-03-01"},
    {"day": 10, "debtor": "10010", "do": "resume"},
    {"day": 3, "debtor": "10011", "do": "withdraw", "reason": "sold the claim"},
    {"day": 3, "debtor": "10001", "do": "withdraw"},
    {"day": 5, "debtor": "10001", "do": "resume"},
]


@pytest.fixture(scope="module")
def route_story(tmp_path_factory: pytest.TempPathFactory) -> Run:
    events = write_events(tmp_path_factory.mktemp("routes"), ROUTE_STORY)
    run = simulate(str(DEMO_LIST), "--days", "60", "--events", str(events), "--json")
    assert run.code == 0, run.err
    return run


def test_a_disputed_invoice_stops_the_reminders(route_story: Run) -> None:
    stichting = route_story.debtor("10009")
    assert stichting["status"] == "disputed"
    filed = next(e for e in stichting["timeline"] if e["what"] == "dispute_filed")
    assert filed["invoices"] == ["2026-0401"]
    assert [m for m in sent(stichting) if m["at"] > filed["at"]] == []
    assert stichting["waiting_for"]["who"] == "client"


def test_an_upheld_dispute_resumes_dunning(route_story: Run) -> None:
    hoek = route_story.debtor("10012")
    whats = [e["what"] for e in hoek["timeline"]]
    assert whats.index("dispute_resolved") > whats.index("dispute_filed")
    resolved = next(e for e in hoek["timeline"] if e["what"] == "dispute_resolved")
    # The invoice is chased again, with the costs and interest a business owes on it.
    assert hoek["open_cents"] > 64_235
    assert [m for m in sent(hoek) if m["at"] > resolved["at"]]


def test_a_credited_dispute_takes_the_invoice_off_the_dossier(route_story: Run) -> None:
    koster = route_story.debtor("10006")
    assert koster["open_cents"] == 0
    assert koster["status"] in ("settled_by_client", "paid")


def test_a_pause_holds_messages_until_its_date(route_story: Run) -> None:
    pieter = route_story.debtor("10004")
    paused = next(e for e in pieter["timeline"] if e["what"] == "scripted" and e["do"] == "pause_until")
    quiet = [m for m in sent(pieter) if paused["at"] < m["at"] < "2027-01-11"]
    assert quiet == []
    assert [m for m in sent(pieter) if m["at"] >= "2027-01-11"]


def test_resume_ends_a_pause_early(route_story: Run) -> None:
    daan = route_story.debtor("10010")
    resumed = next(e for e in daan["timeline"] if e["what"] == "scripted" and e["do"] == "resume")
    assert [m for m in sent(daan) if resumed["at"] < m["at"] < "2027-03-01"]
    assert "refused" not in [e["what"] for e in daan["timeline"]]


def test_a_withdrawn_dossier_is_closed_and_silent(route_story: Run) -> None:
    jan = route_story.debtor("10001")
    assert jan["status"] == "withdrawn"
    withdrawn = next(e for e in jan["timeline"] if e.get("status") == "withdrawn")
    assert [m for m in sent(jan) if m["at"] > withdrawn["at"]] == []


def test_a_refused_request_is_on_the_timeline_and_the_run_goes_on(route_story: Run) -> None:
    # Resuming a withdrawn dossier is not allowed: the route answers 4xx with a message.
    jan = route_story.debtor("10001")
    refused = [e for e in jan["timeline"] if e["what"] == "refused"]
    assert len(refused) == 1 and refused[0]["reason"]
