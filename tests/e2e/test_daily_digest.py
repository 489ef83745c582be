"""The daily digest through its scheduled handler on moto: the client's owners (from the login
pool) get one e-mail listing what waits, a hand-over question no longer has an e-mail of its own,
and a second run the same day sends nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from infra.local.demo_data import DEMO_CLIENT
from infra.local.lambda_events import scheduled_event
from infra.local.login_pool import add_user
from tests.e2e.conftest import OWNER, Pipeline, sent_emails

CLIENT = DEMO_CLIENT.client_id
DASHBOARD = "https://dashboard.debtflow.example"


def digest_run(pipeline: Pipeline, at: datetime) -> None:
    pipeline.now = at
    pipeline.chalice.lambda_.invoke("send_daily_digest", scheduled_event("debtflow-send_daily_digest", at))


def digests() -> list[Any]:
    return [m for m in sent_emails() if str(getattr(m, "subject", "")).startswith("Debtflow: ")]


def test_the_owners_get_one_digest_a_day_with_what_waits_and_links_to_the_dashboard(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses
    import functools

    from chalicelib import bootstrap

    configured = dataclasses.replace(bootstrap.settings(), dashboard_url=DASHBOARD)
    # A cached function like the one it replaces: the fixtures' teardown clears every cache.
    monkeypatch.setattr(bootstrap, "settings", functools.cache(lambda: configured))
    add_user(pipeline.login, "voorzitter@zwaluwen.example", "Owner-Passw0rd-2", CLIENT, "owner")
    add_user(pipeline.login, "kijker@zwaluwen.example", "Viewer-Passw0rd-1", CLIENT, "viewer")
    add_user(pipeline.login, "baas@andere-club.example", "Owner-Passw0rd-3", "andere-club", "owner")
    pipeline.upload()
    pipeline.import_uploads()
    pipeline.sweep_and_act(pipeline.now)
    disputed = pipeline.chalice.http.post(
        f"/clients/{CLIENT}/dossiers/10003/disputes",
        headers=pipeline.owner,
        body=json.dumps({"invoices": ["2026-0431"], "reason": "amount_wrong"}),
    )
    assert disputed.status_code == 201, disputed.body
    before = len(sent_emails())

    # Tuesday 1 December, 07:00 in Amsterdam: too early, nothing goes.
    digest_run(pipeline, datetime(2026, 12, 1, 6, 0, tzinfo=UTC))
    assert len(sent_emails()) == before
    # 08:00 Amsterdam: one e-mail to each owner, none to the viewer or another client's owner.
    digest_run(pipeline, datetime(2026, 12, 1, 7, 0, tzinfo=UTC))
    sent = digests()
    assert sorted(m.destinations["ToAddresses"][0] for m in sent) == [OWNER[0], "voorzitter@zwaluwen.example"]
    mail = sent[0]
    assert mail.subject == "Debtflow: 1 punt wacht op u (1 december 2026)"
    body = str(mail.body)
    assert "Betwiste contributies: 1" in body  # a club: its own word for what it collects
    assert "Bakkerij Smit B.V." in body
    assert f"{DASHBOARD}/clients/{CLIENT}/dossiers/10003" in body

    # The schedule fires again an hour later (for summer time): the day is taken, nothing goes.
    digest_run(pipeline, datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    assert len(digests()) == 2


def test_hand_over_questions_wait_for_the_digest_instead_of_an_email_each(pipeline: Pipeline) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    day = pipeline.now
    for _ in range(40):
        pipeline.sweep_and_act(day)
        day += timedelta(days=1)
        if any(
            pipeline.dossier(d).status.value == "awaiting_handover_decision"
            for d in ("10001", "10002", "10004")
        ):
            break
    from chalicelib import bootstrap

    everyone = bootstrap.dossier_repository().list_for_client(CLIENT)
    waiting = sorted(
        (d for d in everyone if d.status.value == "awaiting_handover_decision"),
        key=lambda d: (-d.owed_cents, d.debtor_id),
    )
    assert len(waiting) > 5, "the demo list brings several files to a hand-over question"
    to_client = [m for m in sent_emails() if m.destinations["ToAddresses"] == [DEMO_CLIENT.reply_to_email]]
    assert not [m for m in to_client if "overdragen" in str(m.subject)]

    morning = datetime.combine(day.date(), datetime.min.time(), tzinfo=UTC) + timedelta(days=1, hours=7)
    digest_run(pipeline, morning)
    (mail,) = digests()
    assert mail.destinations["ToAddresses"] == [OWNER[0]]
    body = str(mail.body)
    assert f"Beslissingen over overdracht aan incasso: {len(waiting)}</h2>" in body
    for shown in waiting[:5]:
        assert f'/clients/{CLIENT}/dossiers/{shown.debtor_id}">{shown.debtor.name}</a>' in body
    assert f"<li>en nog {len(waiting) - 5}</li>" in body
