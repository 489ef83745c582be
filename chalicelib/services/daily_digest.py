"""The daily digest: one e-mail a day to each client's owners listing what waits for them
(hand-over decisions, disputes, plan requests, held lists, letters not reported posted), with
links to the dashboard. Nothing waiting: no e-mail.

Once per client per day: the day is claimed (a conditional write) before anything is sent, so a
second run, or a redelivered schedule event, finds it taken and sends nothing. A failure before
the first e-mail left gives the day back for the retry; after that it errs towards silence, as
every message here does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from chalicelib.domain import schedule
from chalicelib.domain.clients import Client
from chalicelib.domain.digest import Digest, HeldList, UnpostedLetter, Waits, digest_due, what_waits
from chalicelib.domain.money import format_eur
from chalicelib.domain.policies import AMSTERDAM
from chalicelib.domain.uploads import upload_id
from chalicelib.services.message_content import long_date, sender_address
from chalicelib.services.ports import (
    ClientDirectory,
    ClientOwners,
    DigestLedger,
    DossierRepository,
    Email,
    FileStore,
    ImportReports,
    Mailer,
    WaitingDossiers,
)
from chalicelib.services.templates import render_email, wording

TEMPLATE = "daily_digest"
# The uploads the digest looks at for a held list: a held list is the latest of its name.
RECENT_UPLOADS = 50
HELD = "held_for_confirmation"


@dataclass(frozen=True)
class DigestDeps:
    clients: ClientDirectory
    dossiers: DossierRepository
    waiting: WaitingDossiers
    owners: ClientOwners
    ledger: DigestLedger
    reports: ImportReports
    files: FileStore
    mailer: Mailer
    dashboard_url: str


@dataclass
class DigestRun:
    """What one run did, per client: sent (to how many owners), nothing waiting, already sent."""

    sent: dict[str, int] = field(default_factory=dict)
    nothing_waiting: list[str] = field(default_factory=list)
    already_sent: list[str] = field(default_factory=list)
    not_yet: bool = False


def send_daily_digests(now: datetime, deps: DigestDeps) -> DigestRun:
    run = DigestRun()
    if not digest_due(now.astimezone(AMSTERDAM)):
        run.not_yet = True
        return run
    today = schedule.local_day(now)
    for client in deps.clients.all():
        digest = digest_for(client, today, deps)
        if digest.empty:
            run.nothing_waiting.append(client.client_id)
            continue
        if not deps.ledger.claim(client.client_id, today, now):
            run.already_sent.append(client.client_id)
            continue
        run.sent[client.client_id] = _send(client, digest, deps)
    return run


def digest_for(client: Client, today: date, deps: DigestDeps) -> Digest:
    """What waits for one client today (domain/digest.py decides; this reads what it needs)."""
    ids = deps.waiting.waiting_debtor_ids(client.client_id)
    dossiers = deps.dossiers.get_many(client.client_id, ids).values() if ids else []
    return what_waits(
        client.client_id,
        today,
        dossiers,
        held_lists(client.client_id, deps.reports),
        unposted_letters(client.client_id, deps.files),
    )


def held_lists(client_id: str, reports: ImportReports) -> list[HeldList]:
    return [
        HeldList(upload_id(name), name)
        for name, result in reports.recent(client_id, RECENT_UPLOADS)
        if result.get("status") == HELD
    ]


def unposted_letters(client_id: str, files: FileStore) -> list[UnpostedLetter]:
    """The daily posting check's list (`state/<client>/letters-not-posted.json`, written by the
    reconciliation run before the digest's hour); none when the client has no print partner."""
    try:
        with files.open(f"state/{client_id}/letters-not-posted.json") as body:
            document: dict[str, Any] = json.loads(body.read())
    except FileNotFoundError:
        return []
    letters = []
    for entry in document.get("letters", []):
        _, debtor_id, step = str(entry["letter_id"]).split("/")
        letters.append(UnpostedLetter(debtor_id, int(step), date.fromisoformat(entry["handed_over_on"])))
    return letters


def _recipients(client: Client, owners: ClientOwners) -> list[str]:
    """The client's owners; without any, the address in its profile (where its replies go)."""
    found = sorted({address.strip().lower() for address in owners.owner_emails(client.client_id)})
    return found or [client.reply_to_email]


def _send(client: Client, digest: Digest, deps: DigestDeps) -> int:
    recipients = _recipients(client, deps.owners)
    email = digest_email(client, digest, deps.dashboard_url, to=recipients[0])
    sent = 0
    try:
        for address in recipients:
            deps.mailer.send(replace(email, to=address))
            sent += 1
    except Exception:
        if sent == 0:
            deps.ledger.release(client.client_id, digest.day)
        raise
    return sent


def _links(dashboard_url: str, client_id: str) -> dict[str, str]:
    base = f"{dashboard_url.rstrip('/')}/clients/{client_id}"
    return {"overview": base, "dossiers": f"{base}/dossiers", "uploads": f"{base}/uploads"}


def _sections(digest: Digest, base: str) -> Iterator[dict[str, Any]]:
    for section in digest.sections:
        items = []
        for item in section.items:
            url = f"{base}/dossiers/{item.debtor_id}" if item.debtor_id is not None else f"{base}/uploads"
            items.append(
                {
                    "label": item.label,
                    "debtor_id": item.debtor_id,
                    "amount": format_eur(item.amount_cents) if item.amount_cents is not None else "",
                    "url": url,
                }
            )
        yield {"kind": section.kind.value, "count": section.count, "more": section.more, "entries": items}


def digest_email(client: Client, digest: Digest, dashboard_url: str, *, to: str) -> Email:
    links = _links(dashboard_url, client.client_id)
    subject, text, html = render_email(
        TEMPLATE,
        client.language,
        {
            "client_name": client.name,
            "day": long_date(digest.day, client.language),
            "sections": list(_sections(digest, links["overview"])),
            "links": links,
            "waiting_count": sum(s.count for s in digest.sections),
            # The client's own word for what it collects: invoices, or a club's contributie.
            "words": wording(client.language, club=client.club),
            "decisions": digest.count(Waits.HANDOVER_DECISIONS),
        },
    )
    return Email(
        sender=sender_address("Debtflow", client.sender_email),
        reply_to=client.reply_to_email,
        to=to,
        subject=subject,
        text=text,
        html=html,
        tags={"client": client.client_id, "template": TEMPLATE},
    )
