"""The operator routes: malformed or impossible requests get a 4xx and a message, never a 500; and
the client's decisions (disputes, pauses, withdrawals) change what the debtor receives."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.dossier import Status
from chalicelib.domain.money import format_eur, to_mollie_value
from chalicelib.domain.policies import AMSTERDAM
from infra.local.demo_data import DEMO_CLIENT, DEMO_MOLLIE_KEY
from tests.e2e.conftest import DAY_0, Pipeline, sent_emails

JSON = {"Content-Type": "application/json"}
CLIENT = DEMO_CLIENT.client_id
SMIT = f"/clients/{CLIENT}/dossiers/10003"
JAN = f"/clients/{CLIENT}/dossiers/10001"
# DAY_0 is Monday 30 November 2026; a pause may last 366 days from then.
LAST_PAUSE_DAY = "2027-12-01"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "message"),
    [
        ("POST", f"/clients/{CLIENT}/dossiers/10001/handover", "{not json", 400, "Error Parsing JSON"),
        (
            "POST",
            f"/clients/{CLIENT}/dossiers/10001/handover",
            json.dumps({"decision": "maybe"}),
            400,
            "decision",
        ),
        (
            "POST",
            f"/clients/{CLIENT}/dossiers/10001/handover",
            json.dumps({"decision": "approve"}),
            409,
            "cannot",
        ),
        (
            "POST",
            f"/clients/{CLIENT}/dossiers/99999/handover",
            json.dumps({"decision": "approve"}),
            404,
            "99999",
        ),
        (
            "POST",
            "/clients/onbekend/dossiers/1/handover",
            json.dumps({"decision": "approve"}),
            404,
            "onbekend",
        ),
        (
            "POST",
            f"/clients/{CLIENT}/dossiers/10001/arrangement",
            json.dumps({"installments": "x"}),
            400,
            "whole",
        ),
        (
            "POST",
            f"/clients/{CLIENT}/dossiers/99999/arrangement",
            json.dumps({"installments": 3}),
            404,
            "99999",
        ),
        (
            "POST",
            f"/clients/{CLIENT}/dossiers/10001/calls/nope",
            json.dumps({"outcome": "reached"}),
            404,
            "nope",
        ),
        (
            "POST",
            "/clients/Not A Client/dossiers/1/calls/t",
            json.dumps({"outcome": "reached"}),
            404,
            "Not A Client",
        ),
        # Any client but the caller's own is answered as unknown, whatever its id looks like.
        ("GET", "/clients/NOT_VALID/calls", None, 404, "NOT_VALID"),
        # Disputes
        ("POST", f"{SMIT}/disputes", "{not json", 400, "Error Parsing JSON"),
        ("POST", f"{SMIT}/disputes", json.dumps(["2026-0388"]), 400, "JSON object"),
        (
            "POST",
            f"{SMIT}/disputes",
            json.dumps({"invoices": ["2026-0388"], "reason": "other", "colour": "red"}),
            400,
            "unknown field(s): colour",
        ),
        (
            "POST",
            f"{SMIT}/disputes",
            json.dumps({"invoices": ["2026-0388"], "reason": "too_expensive"}),
            400,
            '"reason" must be one of: already_paid',
        ),
        ("POST", f"{SMIT}/disputes", json.dumps({"invoices": [], "reason": "other"}), 400, '"invoices"'),
        (
            "POST",
            f"{SMIT}/disputes",
            json.dumps({"invoices": "2026-0388", "reason": "other"}),
            400,
            '"invoices"',
        ),
        (
            "POST",
            f"{SMIT}/disputes",
            json.dumps({"invoices": ["2026-0388"], "reason": "other", "note": "x" * 1001}),
            400,
            '"note"',
        ),
        (
            "POST",
            f"{SMIT}/disputes",
            json.dumps({"invoices": ["2026-0388", "2026-9999"], "reason": "amount_wrong"}),
            400,
            "no invoice 2026-9999",
        ),
        (
            "POST",
            f"/clients/{CLIENT}/dossiers/99999/disputes",
            json.dumps({"invoices": ["2026-0388"], "reason": "other"}),
            404,
            "99999",
        ),
        (
            "POST",
            "/clients/onbekend/dossiers/10003/disputes",
            json.dumps({"invoices": ["2026-0388"], "reason": "other"}),
            404,
            "onbekend",
        ),
        (
            "POST",
            "/clients/Not A Client/dossiers/10003/disputes",
            json.dumps({"invoices": ["2026-0388"], "reason": "other"}),
            404,
            "Not A Client",
        ),
        # Decisions on disputes
        ("POST", f"{SMIT}/disputes/resolution", "{not json", 400, "Error Parsing JSON"),
        (
            "POST",
            f"{SMIT}/disputes/resolution",
            json.dumps({"invoices": ["2026-0388"], "decision": "maybe"}),
            400,
            '"decision" must be "uphold"',
        ),
        (
            "POST",
            f"{SMIT}/disputes/resolution",
            json.dumps({"invoices": ["2026-0388"], "decision": "credit", "amount": 1}),
            400,
            "unknown field(s): amount",
        ),
        (
            "POST",
            f"{SMIT}/disputes/resolution",
            json.dumps({"invoices": [], "decision": "credit"}),
            400,
            '"invoices"',
        ),
        (
            "POST",
            f"{SMIT}/disputes/resolution",
            json.dumps({"invoices": ["2026-0388"], "decision": "uphold"}),
            400,
            "no dispute waits for a decision",
        ),
        (
            "POST",
            f"/clients/{CLIENT}/dossiers/99999/disputes/resolution",
            json.dumps({"invoices": ["2026-0388"], "decision": "uphold"}),
            404,
            "99999",
        ),
        # Pauses
        ("POST", f"{JAN}/pause", "{not json", 400, "Error Parsing JSON"),
        ("POST", f"{JAN}/pause", json.dumps({}), 400, "YYYY-MM-DD"),
        ("POST", f"{JAN}/pause", json.dumps({"until": "21-12-2026"}), 400, "YYYY-MM-DD"),
        ("POST", f"{JAN}/pause", json.dumps({"until": "2026-12-21", "why": "x"}), 400, '{"until"'),
        ("POST", f"{JAN}/pause", json.dumps({"until": "2026-11-01"}), 400, "a pause must end after today"),
        ("POST", f"{JAN}/pause", json.dumps({"until": "2026-11-30"}), 400, "a pause must end after today"),
        ("POST", f"{JAN}/pause", json.dumps({"until": "2027-12-02"}), 400, "at most 366 days"),
        (
            "POST",
            f"/clients/{CLIENT}/dossiers/99999/pause",
            json.dumps({"until": "2026-12-21"}),
            404,
            "99999",
        ),
        (
            "POST",
            "/clients/onbekend/dossiers/10001/pause",
            json.dumps({"until": "2026-12-21"}),
            404,
            "onbekend",
        ),
        # Resume and withdraw
        ("POST", f"{JAN}/resume", json.dumps({}), 409, "cannot be resumed (it is not paused)"),
        ("POST", f"{JAN}/resume", json.dumps({"until": "2026-12-21"}), 400, "JSON object"),
        ("POST", f"/clients/{CLIENT}/dossiers/99999/resume", json.dumps({}), 404, "99999"),
        ("POST", f"{JAN}/withdraw", "{not json", 400, "Error Parsing JSON"),
        ("POST", f"{JAN}/withdraw", json.dumps({"reason": 5}), 400, '"reason" must be text'),
        ("POST", f"{JAN}/withdraw", json.dumps({"reason": "x" * 501}), 400, "at most 500"),
        ("POST", f"{JAN}/withdraw", json.dumps({"why": "betaald"}), 400, "JSON object"),
        ("POST", f"/clients/{CLIENT}/dossiers/99999/withdraw", json.dumps({}), 404, "99999"),
        ("POST", "/clients/onbekend/dossiers/10001/withdraw", json.dumps({}), 404, "onbekend"),
    ],
)
def test_a_bad_request_gets_a_4xx_with_a_message(
    pipeline: Pipeline, method: str, path: str, body: str | None, status: int, message: str
) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    if method == "POST":
        response = pipeline.chalice.http.post(path, headers=pipeline.owner, body=body or "")
    else:
        response = pipeline.chalice.http.get(path, headers=pipeline.owner)
    assert response.status_code == status, response.body
    answer = json.loads(response.body)
    # Chalice answers a body that is not JSON itself, as {"Code": ..., "Message": ...}.
    assert message in answer.get("message", answer.get("Message", "")), answer


def test_every_client_route_requires_the_client_login() -> None:
    import app
    from chalicelib.routes.client_api import client_login

    for path in (
        "/clients/{client_id}/summary",
        "/clients/{client_id}/dossiers",
        "/clients/{client_id}/dossiers/{debtor_id}",
        "/clients/{client_id}/dossiers/{debtor_id}/handover",
        "/clients/{client_id}/dossiers/{debtor_id}/arrangement",
        "/clients/{client_id}/dossiers/{debtor_id}/calls/{task_id}",
        "/clients/{client_id}/calls",
        "/clients/{client_id}/dossiers/{debtor_id}/disputes",
        "/clients/{client_id}/dossiers/{debtor_id}/disputes/resolution",
        "/clients/{client_id}/dossiers/{debtor_id}/pause",
        "/clients/{client_id}/dossiers/{debtor_id}/resume",
        "/clients/{client_id}/dossiers/{debtor_id}/withdraw",
    ):
        for route in app.app.routes[path].values():
            assert route.authorizer is client_login, path
    for route in app.app.routes["/webhooks/mollie/{client_id}"].values():
        assert route.authorizer is None
    # Every route but the webhook, the debtor's own page (which its personal link and session
    # cookie guard) and the dashboard's pages (which verify the login cookie in the function:
    # tests/e2e/test_dashboard_pages.py) is behind the client login: no client route answers any caller.
    assert {p for p, methods in app.app.routes.items() for r in methods.values() if r.authorizer is None} == {
        "/webhooks/mollie/{client_id}",
        "/assets/page.css",
        "/p/{client_id}",
        "/p/{client_id}/{token}",
        "/p/{client_id}/do/{action}",
        "/dashboard",
        "/dashboard/login",
        "/dashboard/logout",
        "/dashboard/language",
        "/dashboard/{client_id}",
        "/dashboard/{client_id}/dossiers",
        "/dashboard/{client_id}/dossiers/{debtor_id}",
        "/dashboard/{client_id}/dossiers/{debtor_id}/{action}",
        # Downloads the pages link to: the function verifies the Bearer token or the login cookie.
        "/clients/{client_id}/exports/dossiers.csv",
        "/clients/{client_id}/exports/dossiers.xlsx",
        "/clients/{client_id}/exports/payments.csv",
        "/clients/{client_id}/exports/payments.xlsx",
        "/clients/{client_id}/uploads/{upload_id}/errors.csv",
    }


# --- what the client's decisions change for the debtor -----------------------------------------

SMIT_EMAIL = "boekhouding@bakkerijsmit.example"
JAN_EMAIL = "jan.devries@example.nl"


def post(pipeline: Pipeline, path: str, body: dict[str, Any]) -> Any:
    return pipeline.chalice.http.post(path, headers=pipeline.owner, body=json.dumps(body))


def emails_to(address: str) -> list[Any]:
    return [m for m in sent_emails() if m.destinations["ToAddresses"] == [address]]


def reminded_on_day_0(pipeline: Pipeline) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    pipeline.sweep_and_act(DAY_0)


def sweep_days(pipeline: Pipeline, days: range) -> None:
    for day in days:
        pipeline.sweep_and_act(DAY_0 + timedelta(days=day))


def dispute_smits_second_invoice(pipeline: Pipeline) -> None:
    """Bakkerij Smit owes 2026-0388 (EUR 1,250.00) and 2026-0431 (EUR 420.50), and on day 1 says
    the amount of the second is wrong."""
    reminded_on_day_0(pipeline)
    pipeline.now = DAY_0 + timedelta(days=1)
    response = post(
        pipeline, f"{SMIT}/disputes", {"invoices": ["2026-0431"], "reason": "amount_wrong", "note": "te hoog"}
    )
    assert response.status_code == 201, response.body
    assert json.loads(response.body) == {
        "dispute": "dispute-1",
        "state": "with_client",
        "invoices": ["2026-0431"],
    }


def assert_link_asks_for(pipeline: Pipeline, debtor_id: str, principal_cents: int) -> int:
    """The dossier's payment link, and the Mollie link behind it, ask for `principal_cents` plus
    the costs and interest open on the dossier; returns that amount."""
    dossier = pipeline.dossier(debtor_id)
    assert dossier.payment_link is not None
    expected = principal_cents + dossier.open_costs_cents + dossier.open_interest_cents
    assert dossier.payment_link.amount_cents == expected
    [link] = [
        p
        for p in pipeline.mollie.payment_links_of(DEMO_MOLLIE_KEY)
        if p["id"] == dossier.payment_link.payment_id
    ]
    assert link["amount"] == {"currency": "EUR", "value": to_mollie_value(expected)}
    return expected


def test_a_disputed_invoice_drops_out_of_the_next_reminder_while_the_other_is_still_chased(
    pipeline: Pipeline,
) -> None:
    dispute_smits_second_invoice(pipeline)
    [to_client] = [m for m in sent_emails() if m.subject.startswith("Beslissing nodig: Bakkerij Smit")]
    assert "2026-0431" in to_client.body and "te hoog" in to_client.body

    sweep_days(pipeline, range(2, 8))

    [second] = [m for m in emails_to(SMIT_EMAIL) if m.subject.startswith("Tweede herinnering")]
    assert "2026-0388" in second.body and "2026-0431" not in second.body
    smit = pipeline.dossier("10003")
    assert smit.status is Status.REMINDED
    # The business still owes the scale's costs and the commercial interest charged so far.
    assert smit.open_costs_cents > 0 and smit.open_interest_cents > 0
    amount = assert_link_asks_for(pipeline, "10003", 125_000)
    assert f"Betaal {format_eur(amount)} met iDEAL" in second.body
    assert smit.payment_link is not None and smit.payment_link.checkout_url in second.body


def test_the_dispute_acknowledgement_carries_a_payment_link_for_what_is_still_chased(
    pipeline: Pipeline,
) -> None:
    dispute_smits_second_invoice(pipeline)

    [acknowledgement] = [m for m in emails_to(SMIT_EMAIL) if m.subject.startswith("Uw bezwaar is ontvangen")]
    assert "Betaal € " in acknowledgement.body
    assert 'href=""' not in acknowledgement.body


def test_an_upheld_dispute_puts_the_invoice_back_in_the_reminders(pipeline: Pipeline) -> None:
    dispute_smits_second_invoice(pipeline)
    pipeline.now = DAY_0 + timedelta(days=2)

    response = post(
        pipeline, f"{SMIT}/disputes/resolution", {"invoices": ["2026-0431"], "decision": "uphold"}
    )

    assert response.status_code == 200, response.body
    assert json.loads(response.body) == {"decided": [{"dispute": "dispute-1", "invoices": ["2026-0431"]}]}
    sweep_days(pipeline, range(3, 8))
    [second] = [m for m in emails_to(SMIT_EMAIL) if m.subject.startswith("Tweede herinnering")]
    assert "2026-0388" in second.body and "2026-0431" in second.body
    amount = assert_link_asks_for(pipeline, "10003", 125_000 + 42_050)
    assert f"Betaal {format_eur(amount)} met iDEAL" in second.body
    # Decided is decided: the same decision again finds no dispute waiting.
    again = post(pipeline, f"{SMIT}/disputes/resolution", {"invoices": ["2026-0431"], "decision": "credit"})
    assert again.status_code == 400
    assert json.loads(again.body)["message"] == "no dispute waits for a decision on these invoices"


def test_a_credited_invoice_closes_and_the_reminders_ask_only_for_the_rest(pipeline: Pipeline) -> None:
    dispute_smits_second_invoice(pipeline)
    pipeline.now = DAY_0 + timedelta(days=2)

    response = post(
        pipeline, f"{SMIT}/disputes/resolution", {"invoices": ["2026-0431"], "decision": "credit"}
    )

    assert response.status_code == 200, response.body
    smit = pipeline.dossier("10003")
    assert (smit.status, smit.invoices["2026-0431"].open_cents, smit.open_cents) == (
        Status.REMINDED,
        0,
        125_000,
    )
    sweep_days(pipeline, range(3, 8))
    [second] = [m for m in emails_to(SMIT_EMAIL) if m.subject.startswith("Tweede herinnering")]
    assert "2026-0388" in second.body and "2026-0431" not in second.body
    amount = assert_link_asks_for(pipeline, "10003", 125_000)
    assert f"Betaal {format_eur(amount)} met iDEAL" in second.body


def test_crediting_one_of_two_invoices_brings_the_costs_down_to_the_scale_over_what_remains(
    pipeline: Pipeline,
) -> None:
    dispute_smits_second_invoice(pipeline)
    assert pipeline.dossier("10003").open_costs_cents == 25_058

    post(pipeline, f"{SMIT}/disputes/resolution", {"invoices": ["2026-0431"], "decision": "credit"})

    # BIK scale: 15% over the first EUR 2,500 (Besluit vergoeding voor buitengerechtelijke incassokosten).
    assert pipeline.dossier("10003").open_costs_cents == 18_750


def test_crediting_the_only_disputed_invoice_closes_the_file_and_nothing_more_is_sent(
    pipeline: Pipeline,
) -> None:
    reminded_on_day_0(pipeline)
    pipeline.now = DAY_0 + timedelta(days=1)
    filed = post(pipeline, f"{JAN}/disputes", {"invoices": ["2026-0412"], "reason": "not_delivered"})
    assert filed.status_code == 201, filed.body
    assert pipeline.dossier("10001").status is Status.DISPUTED
    sweep_days(pipeline, range(2, 8))
    # Nothing undisputed is left to chase: no second reminder while the client decides.
    assert not [m for m in emails_to(JAN_EMAIL) if m.subject.startswith("Tweede herinnering")]

    response = post(pipeline, f"{JAN}/disputes/resolution", {"invoices": ["2026-0412"], "decision": "credit"})

    assert response.status_code == 200, response.body
    jan = pipeline.dossier("10001")
    assert (jan.status, jan.next_action_at, jan.owed_cents) == (Status.SETTLED_BY_CLIENT, None, 0)
    before = len(emails_to(JAN_EMAIL))
    sweep_days(pipeline, range(8, 31, 7))
    assert len(emails_to(JAN_EMAIL)) == before


def test_a_paused_dossier_gets_nothing_until_the_date_and_then_resumes_by_itself(pipeline: Pipeline) -> None:
    reminded_on_day_0(pipeline)
    before = len(pipeline.dossier("10001").messages)

    response = post(pipeline, f"{JAN}/pause", {"until": "2026-12-21"})

    assert response.status_code == 200, response.body
    answer = json.loads(response.body)
    assert answer["status"] == "paused"
    assert answer["waiting_for"] == {"who": "client", "until": answer["next_action_at"], "about": "pause"}
    resumes_at = datetime.fromisoformat(answer["next_action_at"])
    assert resumes_at.astimezone(AMSTERDAM).replace(tzinfo=None) == datetime(2026, 12, 21, 8, 30)
    # Day 7 would have brought the second reminder and an SMS, day 15 the hand-over question.
    sweep_days(pipeline, range(1, 21))
    jan = pipeline.dossier("10001")
    assert (jan.status, len(jan.messages)) == (Status.PAUSED, before)
    assert not [m for m in emails_to(JAN_EMAIL) if m.subject.startswith("Tweede herinnering")]

    # The morning the pause ends, the sweeps (every quarter hour) pick the file up again.
    for at in (resumes_at, resumes_at + timedelta(minutes=15)):
        pipeline.sweep_and_act(at)

    jan = pipeline.dossier("10001")
    assert jan.status is Status.REMINDED
    [second] = [m for m in emails_to(JAN_EMAIL) if m.subject.startswith("Tweede herinnering")]
    assert "Betaal € 185,00 met iDEAL" in second.body
    assert {m.sent_at for m in jan.messages[before:]} == {resumes_at + timedelta(minutes=15)}


def test_resuming_ends_a_pause_early(pipeline: Pipeline) -> None:
    reminded_on_day_0(pipeline)
    assert post(pipeline, f"{JAN}/pause", {"until": "2027-01-29"}).status_code == 200
    pipeline.now = DAY_0 + timedelta(days=3)

    response = post(pipeline, f"{JAN}/resume", {})

    assert response.status_code == 200, response.body
    answer = json.loads(response.body)
    assert (answer["status"], answer["waiting_for"]) == ("reminded", None)
    assert datetime.fromisoformat(answer["next_action_at"]) <= DAY_0 + timedelta(days=7)
    sweep_days(pipeline, range(4, 8))
    assert [m for m in emails_to(JAN_EMAIL) if m.subject.startswith("Tweede herinnering")]
    # Resumed is no longer paused.
    again = post(pipeline, f"{JAN}/resume", {})
    assert again.status_code == 409
    assert "cannot be resumed (it is not paused)" in json.loads(again.body)["message"]


def test_a_pause_may_last_366_days_and_no_longer(pipeline: Pipeline) -> None:
    reminded_on_day_0(pipeline)

    response = post(pipeline, f"{JAN}/pause", {"until": LAST_PAUSE_DAY})

    assert response.status_code == 200, response.body
    resumes_at = datetime.fromisoformat(json.loads(response.body)["next_action_at"])
    assert resumes_at.astimezone(AMSTERDAM).date().isoformat() == LAST_PAUSE_DAY


def test_a_withdrawn_dossier_gets_nothing_more(pipeline: Pipeline) -> None:
    reminded_on_day_0(pipeline)
    before = len(emails_to(JAN_EMAIL))
    pipeline.now = DAY_0 + timedelta(days=2)

    response = post(pipeline, f"{JAN}/withdraw", {"reason": "betaald aan de bar"})

    assert response.status_code == 200, response.body
    assert json.loads(response.body) == {"status": "withdrawn", "next_action_at": None, "waiting_for": None}
    jan = pipeline.dossier("10001")
    # The link in the day-0 reminder is retired: the next message would carry none.
    assert jan.payment_link is None
    sweep_days(pipeline, range(3, 31))
    assert len(emails_to(JAN_EMAIL)) == before
    assert pipeline.dossier("10001").messages == jan.messages
    # Withdrawn is final for these routes: a second withdrawal, a pause or a dispute is refused.
    for path, body in (
        (f"{JAN}/withdraw", {}),
        (f"{JAN}/pause", {"until": "2027-02-01"}),
    ):
        refused = post(pipeline, path, body)
        assert refused.status_code == 409, (path, refused.body)
        assert json.loads(refused.body)["message"].startswith("a dossier that is withdrawn cannot")
    disputed = post(pipeline, f"{JAN}/disputes", {"invoices": ["2026-0412"], "reason": "other"})
    assert disputed.status_code == 409, disputed.body
