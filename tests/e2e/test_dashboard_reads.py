"""The client's JSON reads through the real handlers: the overview's figures equal a recount of
every dossier (the counters move with each save), the list filters, searches and pages without
reading the whole client, and a dossier shows its invoices, money, messages as sent and timeline."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from typing import Any

from chalicelib import bootstrap
from chalicelib.domain import kpis
from chalicelib.domain.dossier import Status
from chalicelib.domain.schedule import local_day
from infra.local.demo_data import DEMO_CLIENT
from tests.e2e.conftest import DAY_0, Pipeline

CLIENT = DEMO_CLIENT.client_id


def get(pipeline: Pipeline, path: str) -> Any:
    response = pipeline.chalice.http.get(path, headers=pipeline.owner)
    assert response.status_code == 200, response.body
    return json.loads(response.body)


def recount(today: date) -> dict[str, Any]:
    """The overview's figures worked out from every dossier of the client, the slow way."""
    dossiers = bootstrap.dossier_repository().list_for_client(CLIENT)
    open_by_due: Counter[date] = Counter()
    for d in dossiers:
        for i in d.invoices.values():
            if i.open_cents:
                open_by_due[i.due_date] += i.open_cents
    return {
        "open_cents": sum(d.open_cents for d in dossiers),
        "dossiers": len(dossiers),
        "debtors_with_open": sum(1 for d in dossiers if d.open_cents > 0),
        "dossiers_by_status": {s.value: sum(1 for d in dossiers if d.status is s) for s in Status},
        "aging_cents": kpis.aging(open_by_due, today),
        "collected_to_date_cents": sum(d.paid_cents for d in dossiers),
        "waiting_for_you": {
            "handover_decisions": sum(1 for d in dossiers if d.status is Status.AWAITING_HANDOVER_DECISION),
            "disputes": sum(1 for d in dossiers for x in d.disputes if x.state.value == "with_client"),
            "broken_arrangements": 0,
        },
    }


def test_the_overview_equals_a_recount_of_every_dossier_as_dossiers_change(pipeline: Pipeline) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    today = local_day(DAY_0)
    first = get(pipeline, f"/clients/{CLIENT}/summary")
    assert {k: first[k] for k in recount(today)} == recount(today)
    assert first["open_cents"] > 0 and first["dossiers"] == 12
    assert first["dso"]["method"] == "average_days_beyond_terms"

    # Reminders go out, Jan pays through his link, Smit disputes an invoice (to the client).
    pipeline.sweep_and_act(DAY_0)
    link = pipeline.dossier("10001").payment_link
    assert link is not None
    payment_id = pipeline.pay_link(link.checkout_url)
    assert pipeline.webhook(f"id={payment_id}").status_code == 200
    disputed = pipeline.chalice.http.post(
        f"/clients/{CLIENT}/dossiers/10003/disputes",
        headers=pipeline.owner,
        body=json.dumps({"invoices": ["2026-0431"], "reason": "amount_wrong"}),
    )
    assert disputed.status_code == 201, disputed.body

    after = get(pipeline, f"/clients/{CLIENT}/summary")
    assert {k: after[k] for k in recount(today)} == recount(today)
    assert after["dossiers_by_status"]["paid"] == 1
    # Counted in the month Mollie says the money came in (the emulator's clock, not the test's).
    assert after["collected_to_date_cents"] == pipeline.dossier("10001").paid_cents == 18_500
    assert after["waiting_for_you"]["disputes"] == 1
    assert after["open_cents"] == first["open_cents"] - 18_500  # Jan's EUR 185


def test_a_client_that_states_its_monthly_sales_gets_countback_dso(pipeline: Pipeline) -> None:
    from dataclasses import replace

    bootstrap.client_directory().save(
        replace(DEMO_CLIENT, monthly_sales_cents={"2026-10": 500_000, "2026-09": 400_000, "2026-08": 300_000})
    )
    pipeline.upload()
    pipeline.import_uploads()

    summary = get(pipeline, f"/clients/{CLIENT}/summary")

    # On 30 November the last full month is October (31 days, EUR 5,000 of sales), then September
    # (30 days, EUR 4,000): what October does not cover is that share of September's days.
    left = summary["open_cents"] - 500_000
    assert 0 < left < 400_000
    assert summary["dso"] == {"days": round(31 + left / 400_000 * 30, 1), "method": "countback"}


def test_the_list_pages_filters_and_searches(pipeline: Pipeline) -> None:
    pipeline.upload()
    pipeline.import_uploads()

    seen: list[str] = []
    page: str | None = ""
    pages = 0
    while page is not None:
        answer = get(pipeline, f"/clients/{CLIENT}/dossiers?size=5" + (f"&page={page}" if page else ""))
        seen += [line["debtor_id"] for line in answer["dossiers"]]
        page = answer["next_page"]
        pages += 1
    assert sorted(seen) == [f"100{n:02d}" for n in range(1, 13)]
    assert pages == 3

    by_name = get(pipeline, f"/clients/{CLIENT}/dossiers?q=smit")["dossiers"]
    assert [(d["debtor_id"], d["name"], d["open_cents"]) for d in by_name] == [
        ("10003", "Bakkerij Smit B.V.", 167_050)
    ]
    by_number = get(pipeline, f"/clients/{CLIENT}/dossiers?q=10012")["dossiers"]
    assert [d["name"] for d in by_number] == ["Café De Hoek"]
    # Oldest open invoice due 24 September: 67 days past due on 30 November.
    aged = get(pipeline, f"/clients/{CLIENT}/dossiers?aging=61-90")["dossiers"]
    assert [d["debtor_id"] for d in aged] == ["10012"]
    opened = get(pipeline, f"/clients/{CLIENT}/dossiers?status=open")["dossiers"]
    assert len(opened) == 12
    assert get(pipeline, f"/clients/{CLIENT}/dossiers?status=paid")["dossiers"] == []
    assert get(pipeline, f"/clients/{CLIENT}/dossiers?dispute=yes")["dossiers"] == []


def test_a_bad_list_request_gets_a_400_that_says_why(pipeline: Pipeline) -> None:
    for query, words in [
        ("status=betaald", '"status" must be one of'),
        ("aging=100-200", '"aging" must be one of'),
        ("dispute=misschien", '"dispute" must be yes or no'),
        ("size=1000", '"size" must be between'),
        ("page=bm9wZQ", '"page" is not a page of this list'),
        ("sort=name", "unknown parameter 'sort'"),
    ]:
        response = pipeline.chalice.http.get(f"/clients/{CLIENT}/dossiers?{query}", headers=pipeline.owner)
        assert response.status_code == 400, (query, response.body)
        assert words in json.loads(response.body)["message"], query


def test_a_dossier_shows_invoices_money_messages_as_sent_timeline_and_actions(pipeline: Pipeline) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    pipeline.sweep_and_act(DAY_0)

    smit = get(pipeline, f"/clients/{CLIENT}/dossiers/10003")

    assert smit["debtor"] == {"debtor_id": "10003", "name": "Bakkerij Smit B.V.", "type": "business"}
    assert [(i["number"], i["principal_cents"], i["open_cents"]) for i in smit["invoices"]] == [
        ("2026-0388", 125_000, 125_000),
        ("2026-0431", 42_050, 42_050),
    ]
    assert smit["amounts"]["principal_open_cents"] == 167_050
    assert (
        smit["amounts"]["owed_cents"]
        == 167_050 + smit["amounts"]["costs_open_cents"] + smit["amounts"]["interest_open_cents"]
    )
    email = [m for m in smit["messages"] if m["channel"] == "email"]
    assert email and "Bakkerij Smit" in (email[0]["copy"] or "")
    whats = [e["what"] for e in smit["timeline"]]
    assert "reminder_sent" in whats
    assert "withdraw" in smit["actions"] and "approve_handover" not in smit["actions"]


def test_the_decide_link_in_the_client_e_mail_opens_the_dossier(pipeline: Pipeline) -> None:
    from chalicelib.services.dossier_actions import decision_url

    url = decision_url(bootstrap.action_deps(), CLIENT, "10003")
    path = url.removeprefix("http://127.0.0.1:9")
    pipeline.upload()
    pipeline.import_uploads()

    assert get(pipeline, path)["debtor"]["debtor_id"] == "10003"
