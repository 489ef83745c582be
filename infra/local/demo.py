"""`make demo`: a short story on the local stack with a simulated clock.

A club drops its debtor list into the uploads bucket, dossiers open, day-0 reminders go out with
iDEAL links, one member pays on the emulator's checkout page, Mollie's webhook closes that dossier,
day 7 sends the second reminders, and day 15 asks the club to decide on a hand-over; a consumer's
14-day letter is written as PDF. Everything runs through the real handlers and adapters.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import boto3
import requests

from chalicelib import bootstrap
from chalicelib.domain.dossier import Dossier
from chalicelib.domain.money import format_eur
from infra.local.demo_data import DEMO_CLIENT, DEMO_LIST, DEMO_MOLLIE_KEY
from infra.local.stack import REGION, LocalStack

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
OUT = Path(".local/demo")
# Monday 30 November 2026, 10:00 in Amsterdam: the list arrives in the morning.
DAY_0 = datetime(2026, 11, 30, 10, 0, tzinfo=AMSTERDAM).astimezone(UTC)


class Clock:
    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current


def say(text: str) -> None:
    print(text, flush=True)


def run() -> int:
    # The story is the output; the handlers' JSON logs would bury it (make local shows them).
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
    logging.getLogger("debtflow").setLevel(logging.WARNING)
    clock = Clock(DAY_0)
    bootstrap.clock = clock
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    with LocalStack() as stack:
        assert stack.endpoints is not None
        stack.register_client(DEMO_CLIENT, DEMO_MOLLIE_KEY)
        say(
            f"Local stack up: AWS (moto) {stack.endpoints.aws}, API {stack.endpoints.api}, Mollie {stack.endpoints.mollie}"
        )
        say(f"Client registered: {DEMO_CLIENT.name} ({DEMO_CLIENT.client_id}); Mollie key stored in SSM")

        key = f"incoming/{DEMO_CLIENT.client_id}/openstaande-posten-2026-11-30.csv"
        s3 = boto3.client("s3", region_name=REGION)
        s3.put_object(Bucket=stack.names.bucket, Key=key, Body=DEMO_LIST.encode("utf-8"))
        say(f"\n[{_day(clock)}] The club uploads s3://{stack.names.bucket}/{key}")
        stack.pump()
        report_key = f"reports/{DEMO_CLIENT.client_id}/openstaande-posten-2026-11-30.csv.result.json"
        report = json.loads(s3.get_object(Bucket=stack.names.bucket, Key=report_key)["Body"].read())
        (OUT / "import-result.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), "utf-8")
        say(
            f"  imported: {report['accepted']} invoices, {report['dossiers_opened']} dossiers opened, "
            f"{report['rejected_count']} rows rejected, {format_eur(report['total_open_cents'])} open"
        )

        clock.current = DAY_0 + timedelta(minutes=15)
        stack.sweep(clock())
        stack.pump()
        say(f"[{_day(clock)}] Day 0: the sweep finds the due dossiers; first reminders go out by e-mail")

        payer = _dossier("10002")
        assert payer.payment_link is not None
        checkout = payer.payment_link.checkout_url
        say(f"\n[{_day(clock)}] {payer.debtor.name} opens the iDEAL link in the reminder: {checkout}")
        page = requests.get(checkout, timeout=10)
        page.raise_for_status()
        clock.current += timedelta(hours=3)
        # Mollie stamps paidAt with its own clock: keep the emulator's in step with the story.
        stack.mollie.advance_time((clock() - stack.mollie.now()).total_seconds())
        # The link redirected to the checkout of the payment Mollie made for it.
        requests.post(page.url, data={"status": "paid"}, timeout=10, allow_redirects=False)
        delivery = stack.mollie.webhook_log[-1]
        say(
            f"  chooses 'Paid' on the checkout page; Mollie calls {delivery.url} -> HTTP {delivery.status_code}"
        )
        paid = _dossier("10002")
        say(f"  the webhook closed the dossier: {paid.status.value}, {format_eur(paid.open_cents)} open")
        if paid.status.value != "paid":
            say("ERROR: the webhook did not close the paid dossier")
            return 1

        clock.current = DAY_0 + timedelta(days=7, minutes=15)
        stack.sweep(clock())
        stack.pump()
        say(f"\n[{_day(clock)}] Day 7: second reminders go out to everyone who has not paid")

        clock.current = DAY_0 + timedelta(days=15, minutes=15)
        stack.sweep(clock())
        stack.pump()
        waiting = [
            d
            for d in bootstrap.dossier_repository().list_for_client(DEMO_CLIENT.client_id)
            if d.status.value == "awaiting_handover_decision"
        ]
        say(
            f"\n[{_day(clock)}] Day 15: the club is asked to decide on a hand-over for {len(waiting)} dossiers "
            f"(e-mail to {DEMO_CLIENT.reply_to_email}); handing over stays the club's choice"
        )
        letter_file = _write_fourteen_day_letter(clock)
        say(f"  the consumer 14-day letter (BW 6:96 lid 6) for 10001, as it goes to print: {letter_file}")

        _write_sent_emails()
        dossiers = bootstrap.dossier_repository().list_for_client(DEMO_CLIENT.client_id)
        _print_table(dossiers)
        emails = len(list((OUT / "emails").glob("*.html")))
        say(
            f"""
Where to look:
  {OUT}/import-result.json     the report written beside the upload (reports/{DEMO_CLIENT.client_id}/...)
  {OUT}/emails/                the {emails} e-mails SES (moto) accepted (index.txt lists them)
  {OUT}/audit-10002.json       the audit trail of the dossier that paid
  {OUT}/fourteen-day-letter-10001.pdf  a consumer's 14-day letter (exact costs, the legal term wording)
Run `make local` to keep the stack running and explore it yourself."""
        )
        events = bootstrap.dossier_repository().events(DEMO_CLIENT.client_id, "10002")
        (OUT / "audit-10002.json").write_text(
            json.dumps(
                [
                    {"at": e.at.isoformat(), "what": e.what, "actor": e.actor, "reason": e.reason}
                    for e in events
                ],
                indent=2,
                ensure_ascii=False,
            ),
            "utf-8",
        )
    return 0


def _write_fourteen_day_letter(clock: Clock) -> Path:
    """The demo list carries no postal addresses, so no letter went to the outbox; this renders the
    letter 10001 would get once the club's list has the address, through the same code path."""
    from dataclasses import replace

    from chalicelib.adapters.letters import PdfLetterRenderer
    from chalicelib.domain import dunning
    from chalicelib.services.letter_content import fourteen_day_letter_for

    dossier = _dossier("10001")
    dossier.debtor = replace(dossier.debtor, street="Kerkstraat 12", postcode="3511 AB", city="Utrecht")
    today = clock().astimezone(AMSTERDAM).date()
    letter = dunning.fourteen_day_letter(dossier, DEMO_CLIENT, today, dossier.step)
    assert letter is not None
    url = dossier.payment_link.checkout_url if dossier.payment_link else "https://pay.example"
    pdf = PdfLetterRenderer().render(
        fourteen_day_letter_for(DEMO_CLIENT, dossier, letter, "fourteen_day_letter", url)
    )
    path = OUT / "fourteen-day-letter-10001.pdf"
    path.write_bytes(pdf)
    return path


def _day(clock: Clock) -> str:
    return clock().astimezone(AMSTERDAM).strftime("%a %d-%m-%Y %H:%M")


def _dossier(debtor_id: str) -> Dossier:
    dossier = bootstrap.dossier_repository().get(DEMO_CLIENT.client_id, debtor_id)
    assert dossier is not None
    return dossier


def _write_sent_emails() -> None:
    # moto's server runs in this process, so its record of sent e-mail is readable here.
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    folder = OUT / "emails"
    folder.mkdir(parents=True, exist_ok=True)
    index = []
    for number, message in enumerate(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages, start=1):
        to = message.destinations["ToAddresses"][0]
        name = f"{number:02d}-{re.sub(r'[^a-z0-9]+', '-', to.lower())}.html"
        # moto keeps the HTML part of each e-mail; open these in a browser.
        (folder / name).write_text(message.body, "utf-8")
        index.append(f"{name:<55} {to:<40} {message.subject}")
    (folder / "index.txt").write_text("\n".join(index) + "\n", "utf-8")


def _print_table(dossiers: list[Dossier]) -> None:
    # Owed: open principal plus the collection costs and statutory interest charged so far.
    header = f"{'debtor':<8} {'name':<34} {'type':<9} {'state':<28} {'owed':>12} {'messages':>9}"
    say("\n" + header)
    say("-" * len(header))
    for dossier in sorted(dossiers, key=lambda d: d.debtor_id):
        state = f"{dossier.status.value}" + (
            f" (step {dossier.step})" if dossier.status.value == "reminded" else ""
        )
        say(
            f"{dossier.debtor_id:<8} {dossier.debtor.name[:34]:<34} {dossier.debtor.debtor_type.value:<9} "
            f"{state:<28} {format_eur(dossier.owed_cents):>12} {len(dossier.messages):>9}"
        )
    total = sum(d.owed_cents for d in dossiers)
    say("-" * len(header))
    say(f"{'':<8} {'total owed':<34} {'':<9} {'':<28} {format_eur(total):>12}")


if __name__ == "__main__":
    sys.exit(run())
