"""`make demo`: a short story on the local stack with a simulated clock.

A club drops its debtor list into the uploads bucket, dossiers open, day-0 reminders go out with
iDEAL links, one member pays on the emulator's checkout page, Mollie's webhook closes that dossier,
day 7 sends the second reminders, and day 15 asks the club to decide on a hand-over; a consumer's
14-day letter is written as PDF. Then a second club's family: one parent, three children, one
reversed direct debit; one e-mail, one link, and one payment closes the three dossiers. Everything runs through the real handlers and adapters.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import requests

from chalicelib import bootstrap
from chalicelib.domain.dossier import Dossier
from chalicelib.domain.money import format_eur
from infra.local.demo_data import (
    DEMO_CLIENT,
    DEMO_LIST,
    DEMO_MOLLIE_KEY,
    FAMILY_CLUB,
    FAMILY_LIST,
    FAMILY_MOLLIE_KEY,
    FAMILY_STORNO,
)
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

        dossiers = bootstrap.dossier_repository().list_for_client(DEMO_CLIENT.client_id)
        _print_table(dossiers)

        if not _family(stack, clock, s3):
            return 1
        sent = _write_outbox(stack)
        say(
            f"""
Where to look:
  {OUT}/import-result.json     the report written beside the upload (reports/{DEMO_CLIENT.client_id}/...)
  {OUT}/outbox/                the {sent.get("email", 0)} e-mails (text and HTML) and {sent.get("sms", 0)} SMS texts sent (index.txt lists them)
  {OUT}/audit-10002.json       the audit trail of the dossier that paid
  {OUT}/fourteen-day-letter-10001.pdf  a consumer's 14-day letter (exact costs, the legal term wording)
  {OUT}/household-email.txt    the one e-mail to the Jansen family's parent (three children, one storno)
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


def _family(stack: LocalStack, clock: Clock, s3: Any) -> bool:
    """A second club: one parent pays for three children, and the bank reversed one child's
    direct debit. One e-mail to the parent, one link, one payment closes three dossiers."""
    stack.register_client(FAMILY_CLUB, FAMILY_MOLLIE_KEY)
    club = FAMILY_CLUB.client_id
    clock.current = DAY_0 + timedelta(days=16)
    say(
        f"\n[{_day(clock)}] {FAMILY_CLUB.name} uploads its member list: the Jansen children, paid for by their mother"
    )
    s3.put_object(Bucket=stack.names.bucket, Key=f"incoming/{club}/leden.csv", Body=FAMILY_LIST.encode())
    stack.pump()
    report = json.loads(
        s3.get_object(Bucket=stack.names.bucket, Key=f"reports/{club}/leden.csv.result.json")["Body"].read()
    )
    (household,) = report["households"]
    say(f"  households formed: {household['payer']} pays for {', '.join(household['members'])}")
    s3.put_object(
        Bucket=stack.names.bucket, Key=f"storno/{club}/storno-november.csv", Body=FAMILY_STORNO.encode()
    )
    stack.pump()
    say("  the bank's reject file (storno/): Daan's November direct debit came back, reason AM04")

    clock.current += timedelta(minutes=15)
    sent_before = len(_sent_messages())
    stack.sweep(clock())
    stack.pump()
    family_mail = [
        m
        for m in _sent_messages()[sent_before:]
        if m.destinations["ToAddresses"] == ["marieke.jansen@example.nl"]
    ]
    say(f"[{_day(clock)}] The sweep: {len(family_mail)} e-mail to Marieke Jansen for her three children")
    if len(family_mail) != 1:
        say("ERROR: the household did not get exactly one message")
        return False
    (OUT / "household-email.txt").write_text(family_mail[0].subject + "\n\n" + family_mail[0].body, "utf-8")
    # The one link in the e-mail: the "Betaal ... met iDEAL" button.
    (checkout,) = set(re.findall(r'href="([^"]+)"', family_mail[0].body))
    page = requests.get(checkout, timeout=10)
    page.raise_for_status()
    clock.current += timedelta(hours=2)
    stack.mollie.advance_time((clock() - stack.mollie.now()).total_seconds())
    requests.post(page.url, data={"status": "paid"}, timeout=10, allow_redirects=False)
    members = [_dossier(d, club) for d in ("M3001", "M3002", "M3003")]
    say(
        f"  she pays {format_eur(sum(m.paid_cents for m in members))} through the one link; the webhook divides it:"
    )
    for member in members:
        say(
            f"    {member.debtor_id} {member.debtor.name:<12} paid {format_eur(member.paid_cents):>9} -> {member.status.value}"
        )
    if any(m.status.value != "paid" for m in members):
        say("ERROR: the household payment did not close every child's dossier")
        return False
    return True


def _sent_messages() -> list[Any]:
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)


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


def _dossier(debtor_id: str, client_id: str = DEMO_CLIENT.client_id) -> Dossier:
    dossier = bootstrap.dossier_repository().get(client_id, debtor_id)
    assert dossier is not None
    return dossier


def _write_outbox(stack: LocalStack) -> dict[str, int]:
    """Every message the stack sent, as the workbench's outbox reads it: each e-mail as text and
    HTML, each SMS as text, each letter as PDF; index.txt lists them with their dossier."""
    from infra.local.outbox import Outbox

    folder = OUT / "outbox"
    folder.mkdir(parents=True, exist_ok=True)
    outbox = Outbox(stack.names.bucket)
    index, counts = [], Counter[str]()
    for number, entry in enumerate(outbox.entries(), start=1):
        summary = entry.summary()
        debtor = summary["debtor_id"] or "no-dossier"
        stem = f"{number:02d}-{entry.channel}-{debtor}-{summary['template'] or 'message'}"
        if entry.channel == "letter":
            (folder / f"{stem}.pdf").write_bytes(outbox.letter_pdf(entry))
        else:
            (folder / f"{stem}.txt").write_text(entry.text, "utf-8")
        if entry.channel == "email":
            (folder / f"{stem}.html").write_text(entry.html, "utf-8")
        counts[entry.channel] += 1
        index.append(f"{stem:<52} {entry.to:<40} {entry.subject}")
    (folder / "index.txt").write_text("\n".join(index) + "\n", "utf-8")
    return dict(counts)


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
