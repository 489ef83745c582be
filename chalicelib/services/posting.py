"""The print partner's side of a letter: its posting report, and the alarm when none comes.

The partner uploads a report to `posted/<client>/<file>.json` (the upload bucket delivers it like
a debtor list, S3 -> SQS):

    {"postings": [{"letter_id": "<client>/<debtor>/<step>", "posted_on": "2026-12-09"}, ...]}

Each posting goes on its dossier (`Dossier.letter_posted`): a 14-day letter's term then runs from
that day, and its costs can become due. A report for another client's letter, an unknown letter,
or a date in the future is refused and listed in `reports/<client>/posted/<file>.result.json`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from chalicelib.domain import posting, schedule
from chalicelib.domain.clients import Client
from chalicelib.domain.errors import DossierNotFound, UnknownClient
from chalicelib.services.dossier_actions import ActionDeps, policy_for
from chalicelib.services.ports import DossierRepository, FileStore

ACTOR = "print-partner"


@dataclass
class PostingResult:
    client_id: str
    recorded: int = 0
    repeated: int = 0
    refused: list[dict[str, Any]] = field(default_factory=list)


def record_posting_report(client_id: str, key: str, now: datetime, deps: ActionDeps) -> PostingResult:
    client = deps.clients.get(client_id)
    if client is None:
        raise UnknownClient(client_id)
    result = PostingResult(client_id)
    today = schedule.local_day(now)
    try:
        with deps.files.open(key) as body:
            entries = json.load(body)["postings"]
        if not isinstance(entries, list):
            raise TypeError("postings is not a list")
    except (ValueError, KeyError, TypeError) as error:
        result.refused.append({"entry": None, "reason": f"the report cannot be read: {error}"})
        entries = []
    for index, entry in enumerate(entries):
        reason = _record(entry, client, today, now, deps, result)
        if reason:
            result.refused.append({"entry": index, "reason": reason})
    deps.files.put(
        f"reports/{client_id}/posted/{key.rsplit('/', 1)[-1]}.result.json",
        json.dumps(
            {"recorded": result.recorded, "repeated": result.repeated, "refused": result.refused}, indent=2
        ).encode("utf-8"),
        "application/json",
    )
    return result


def _record(
    entry: Any,
    client: Client,
    today: date,
    now: datetime,
    deps: ActionDeps,
    result: PostingResult,
) -> str | None:
    """Record one posting; the reason it was refused, or None."""
    client_id, offset_days = client.client_id, client.letter_receipt_offset_days
    if not isinstance(entry, dict):
        return "not an object with letter_id and posted_on"
    parts = str(entry.get("letter_id", "")).split("/")
    if len(parts) != 3 or parts[0] != client_id or not parts[2].isdigit():
        return "letter_id is not <this client>/<debtor>/<step>"
    try:
        posted_on = date.fromisoformat(str(entry.get("posted_on")))
    except ValueError:
        return "posted_on is not a date (YYYY-MM-DD)"
    if posted_on > today:
        return "posted_on lies in the future"
    debtor_id, step = parts[1], int(parts[2])
    then = schedule.planner(client, policy_for(client), now)
    try:
        changed = deps.uow.change(
            client_id,
            debtor_id,
            lambda dossier: dossier.letter_posted(
                step, posted_on, then, receipt_offset_days=offset_days, at=now, actor=ACTOR
            ),
        )
    except DossierNotFound:
        return "no such dossier"
    if changed:
        result.recorded += 1
    else:
        dossier = deps.dossiers.get(client_id, debtor_id)
        if dossier is None or not any(m.step == step and m.channel == "letter" for m in dossier.messages):
            return "no letter of that step"
        result.repeated += 1
    return None


def unreported_letters(
    client_id: str, now: datetime, dossiers: DossierRepository, files: FileStore
) -> list[posting.UnreportedLetter]:
    """Letters of the client's open files that the partner has not reported posted in time.
    Written to `state/<client>/letters-not-posted.json` for the dashboard, empty list included,
    so the file always says how things stand."""
    today = schedule.local_day(now)
    overdue = [
        letter
        for dossier in dossiers.list_for_client(client_id)
        for letter in posting.unreported_letters(dossier, today)
    ]
    files.put(
        f"state/{client_id}/letters-not-posted.json",
        json.dumps(
            {
                "as_of": today.isoformat(),
                "letters": [
                    {
                        "letter_id": f"{u.client_id}/{u.debtor_id}/{u.step}",
                        "template": u.template,
                        "handed_over_on": u.handed_over_on.isoformat(),
                        "report_due_by": u.report_due_by.isoformat(),
                    }
                    for u in overdue
                ],
            },
            indent=2,
        ).encode("utf-8"),
        "application/json",
    )
    return overdue
