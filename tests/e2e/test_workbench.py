"""The local workbench over HTTP, as a newcomer drives it: upload a list in the night, see that the
dossiers wait for the contact window, advance a day, read the outbox, bounce an e-mail, pay."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
import requests

from chalicelib import bootstrap
from chalicelib.domain.dossier import Dossier
from infra.local.demo_data import DEMO_CLIENT, DEMO_LIST, DEMO_MOLLIE_KEY
from infra.local.stack import REGION, LocalStack
from infra.local.workbench import Workbench
from infra.local.workbench_clock import WorkbenchClock
from infra.local.workbench_web import serving

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# Monday 30 November 2026, 02:17 in Amsterdam: the night the newcomer tried it.
NIGHT = datetime(2026, 11, 30, 2, 17, tzinfo=AMSTERDAM)
LIST_KEY = f"incoming/{DEMO_CLIENT.client_id}/openstaande-posten.csv"


@dataclass
class Bench:
    url: str
    stack: LocalStack

    def get(self, path: str) -> requests.Response:
        return requests.get(self.url + path, timeout=60)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return requests.post(self.url + path, json=body, timeout=120, **kwargs)

    def upload(self) -> None:
        s3 = boto3.client("s3", region_name=REGION)
        s3.put_object(Bucket=self.stack.names.bucket, Key=LIST_KEY, Body=DEMO_LIST.encode())

    def dossier(self, debtor_id: str) -> Dossier:
        dossier = bootstrap.dossier_repository().get(DEMO_CLIENT.client_id, debtor_id)
        assert dossier is not None
        return dossier


@pytest.fixture
def bench() -> Iterator[Bench]:
    saved_environment = dict(os.environ)
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
    previous_clock = bootstrap.clock
    # A frozen wall clock: the stack's time moves only when the test moves it.
    clock = WorkbenchClock(start=NIGHT, wall=lambda: NIGHT)
    stack = LocalStack(chalice_server=False).start()
    try:
        stack.register_client(DEMO_CLIENT, DEMO_MOLLIE_KEY)
        with serving(Workbench(stack, clock)) as url:
            yield Bench(url, stack)
    finally:
        assert stack.endpoints is not None
        # moto's state lives in this process: leave nothing behind for the next test.
        requests.post(f"{stack.endpoints.aws}/moto-api/reset", timeout=30)
        stack.stop()
        bootstrap.clock = previous_clock
        os.environ.clear()
        os.environ.update(saved_environment)
        bootstrap.reset()


def test_at_night_the_dossiers_wait_for_the_contact_window_and_the_page_says_until_when(bench: Bench) -> None:
    bench.upload()
    moved = bench.post("/clock", {"advance": "5m"}).json()

    assert moved["sent"] == []
    window = bench.get("/clock").json()["contact_window"]
    assert window["open"] is False
    assert window["waiting"] == 12
    assert window["opens_local"] == "ma 30-11-2026 08:30"
    page = bench.get("/").text
    assert "12 dossiers wait for it to open at ma 30-11-2026 08:30" in page
    assert bench.get("/outbox.json").json() == []


def test_advancing_a_day_runs_the_morning_sweep_and_the_outbox_shows_what_went_out(bench: Bench) -> None:
    bench.upload()
    moved = bench.post("/clock", {"advance": "1d"}).json()

    assert moved["local"] == "di 01-12-2026 02:17"
    sweeps = [run for run in moved["runs"] if "sweep_due" in run["ran"]]
    assert sweeps[0]["local"] == "ma 30-11-2026 08:30"
    assert moved["sent_counts"]["email"] == 12
    assert moved["sent_counts"]["sms"] >= 1
    assert moved["dossiers"] == {"reminded": 12}

    outbox = bench.get("/outbox.json").json()
    assert len(outbox) == len(moved["sent"])
    email = next(m for m in outbox if m["channel"] == "email" and m["debtor_id"] == "10002")
    assert email["to"] == "f.elamrani@example.nl"
    assert email["client_id"] == DEMO_CLIENT.client_id
    assert email["debtor_name"] == "Fatima El Amrani"
    assert "€ 185,00" in email["text"] and "€ 185,00" in email["html"]
    assert email["text"] == bench.get(f"/outbox/{email['id']}.txt").text
    assert bench.get(f"/outbox/{email['id']}.html").text == email["html"]
    sms = next(m for m in outbox if m["channel"] == "sms" and m["debtor_id"] == "10002")
    assert sms["to"] == "+31612345679"
    assert DEMO_CLIENT.name in sms["text"] and "€" not in sms["text"]
    assert "Fatima El Amrani" in bench.get("/outbox").text


def test_a_bounce_from_the_outbox_reaches_ses_feedback_and_marks_the_address(bench: Bench) -> None:
    bench.upload()
    bench.post("/clock", {"advance": "1d"})
    email = next(m for m in bench.get("/outbox.json").json() if m["debtor_id"] == "10008")

    answer = bench.post(f"/outbox/{email['id']}/bounce")

    assert answer.status_code == 200, answer.text
    assert answer.json()["recorded"] == "bounce:Permanent/General"
    assert "lotte.bakker@example.nl" in bench.dossier("10008").undeliverable_emails
    shown = next(m for m in bench.get("/outbox.json").json() if m["id"] == email["id"])
    assert shown["feedback"] == "bounce:Permanent/General"


def test_a_complaint_from_the_outbox_form_is_recorded_on_the_message(bench: Bench) -> None:
    bench.upload()
    bench.post("/clock", {"advance": "1d"})
    email = next(m for m in bench.get("/outbox.json").json() if m["debtor_id"] == "10005")

    # What the page's button sends: an empty form.
    answer = bench.post(
        f"/outbox/{email['id']}/complaint",
        data=b"",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        allow_redirects=False,
    )

    assert answer.status_code == 303 and answer.headers["Location"] == "/outbox"
    assert "complaint:abuse" in bench.get("/outbox").text


def test_paying_on_the_emulator_after_the_reminder_closes_the_dossier(bench: Bench) -> None:
    bench.upload()
    bench.post("/clock", {"to": "2026-11-30T12:00:00+01:00"})
    link = bench.dossier("10002").payment_link
    assert link is not None

    page = requests.get(link.checkout_url, allow_redirects=False, timeout=30)
    requests.post(str(page.headers["Location"]), data={"status": "paid"}, allow_redirects=False, timeout=60)

    assert bench.dossier("10002").status.value == "paid"
    assert bench.get("/clock").json()["dossiers"] == {"paid": 1, "reminded": 11}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"advance": "yesterday"}, "cannot read 'yesterday' as a duration"),
        ({"advance": "400d"}, "at most 366 days"),
        ({"to": "2026-11-29T08:00:00+01:00"}, "only moves forward"),
        ({"to": "2026-12-01T08:00"}, "needs an offset"),
        ({"advance": "1d", "to": "2026-12-01T08:00Z"}, 'send {"advance": "1d"}'),
        ([], 'send {"advance": "1d"}'),
    ],
)
def test_a_clock_request_it_cannot_follow_gets_a_400_with_the_reason(
    bench: Bench, body: Any, message: str
) -> None:
    answer = bench.post("/clock", body)

    assert answer.status_code == 400
    assert message in answer.json()["message"]
    assert bench.get("/clock").json()["local"] == "ma 30-11-2026 02:17"


def test_unknown_pages_and_messages_get_a_404_with_a_message(bench: Bench) -> None:
    assert bench.post("/clock", data=b"not json").status_code == 400
    assert bench.get("/nothing").status_code == 404
    missing = bench.post("/outbox/email-nope/bounce")
    assert missing.status_code == 404
    assert "no sent e-mail" in missing.json()["message"]


def test_a_consumer_s_fourteen_day_letter_shows_in_the_outbox_as_its_pdf(bench: Bench) -> None:
    # A consumer with a postal address and no e-mail: the first reminder goes by post as an ordinary
    # reminder letter, and day 7 brings the 14-day letter (BW 6:96 lid 6).
    row = (
        "Relatiecode;Naam;Soort;Straat;Postcode;Plaats;Factuurnummer;Factuurdatum;Vervaldatum;Bedrag\n"
        "20001;Kees Brouwer;Particulier;Kerkstraat 12;3511 AB;Utrecht;2026-0501;01-10-2026;15-10-2026;€ 240,00\n"
    )
    boto3.client("s3", region_name=REGION).put_object(
        Bucket=bench.stack.names.bucket, Key=LIST_KEY, Body=row.encode()
    )

    moved = bench.post("/clock", {"advance": "8d"}).json()

    letters = [m for m in bench.get("/outbox.json").json() if m["channel"] == "letter"]
    assert sorted((m["debtor_id"], m["template"]) for m in letters) == [
        ("20001", "fourteen_day_letter"),
        ("20001", "reminder_letter"),
    ]
    assert moved["sent_counts"].get("letter") == 2
    (fourteen_day,) = [m for m in letters if m["template"] == "fourteen_day_letter"]
    pdf = bench.get(fourteen_day["pdf"])
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
