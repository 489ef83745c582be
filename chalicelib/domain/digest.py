"""What waits for a client today: the one daily e-mail to its owners (instead of one e-mail per
dossier) lists it, kind by kind, with counts and the first few debtors.

Pure: the dossiers that may wait, the held lists and the letters not reported posted come in;
the clock never is read here (`today` is passed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from chalicelib.domain.dossier import DisputeState, Dossier, Status

# How many debtors a section names before it says "and N more".
SHOWN_PER_SECTION = 5
# The template a debtor's plan request to the client is recorded with (services/debtor_page.py).
ARRANGEMENT_REQUEST = "arrangement_request"
# The digest goes out from this local (Europe/Amsterdam) hour: the treasurer's morning.
SEND_FROM = time(8, 0)


class Waits(StrEnum):
    """The kinds of things that wait for the client, in the order the e-mail lists them."""

    HANDOVER_DECISIONS = "handover_decisions"
    DISPUTES = "disputes"
    ARRANGEMENT_REQUESTS = "arrangement_requests"
    HELD_LISTS = "held_lists"
    LETTERS_NOT_POSTED = "letters_not_posted"


@dataclass(frozen=True)
class WaitingItem:
    """One line of a section: a debtor (with the amount concerned) or a file or letter."""

    label: str
    debtor_id: str | None = None
    amount_cents: int | None = None
    # The held list's id for its dashboard page (uploads), when the item is a list.
    upload_id: str | None = None


@dataclass(frozen=True)
class Section:
    kind: Waits
    count: int
    items: tuple[WaitingItem, ...]

    @property
    def more(self) -> int:
        return self.count - len(self.items)


@dataclass(frozen=True)
class HeldList:
    upload_id: str
    file_name: str


@dataclass(frozen=True)
class UnpostedLetter:
    debtor_id: str
    step: int
    handed_over_on: date


@dataclass(frozen=True)
class Digest:
    client_id: str
    day: date
    sections: tuple[Section, ...]

    @property
    def empty(self) -> bool:
        return not self.sections

    def count(self, kind: Waits) -> int:
        return next((s.count for s in self.sections if s.kind is kind), 0)


def digest_due(local_now: datetime) -> bool:
    """The digest goes out at or after the morning hour, local time (the schedule fires twice in
    UTC so that one run falls after 08:00 Amsterdam in winter and in summer)."""
    return local_now.time() >= SEND_FROM


def asks_for_arrangement(dossier: Dossier) -> bool:
    """A debtor's plan request the client has not answered: asked (recorded as a message to the
    client) after the last agreed plan, and the file is still being chased, not in a plan."""
    if not dossier.is_active or dossier.status is Status.IN_ARRANGEMENT:
        return False
    asked = [m.sent_at for m in dossier.messages if m.template == ARRANGEMENT_REQUEST]
    if not asked:
        return False
    plan = dossier.arrangement
    return plan is None or max(asked).date() > plan.agreed_on


def _section(kind: Waits, items: list[WaitingItem], count: int | None = None) -> Section | None:
    total = len(items) if count is None else count
    if total == 0:
        return None
    return Section(kind, total, tuple(items[:SHOWN_PER_SECTION]))


def what_waits(
    client_id: str,
    today: date,
    dossiers: Iterable[Dossier],
    held_lists: Iterable[HeldList] = (),
    unposted_letters: Iterable[UnpostedLetter] = (),
) -> Digest:
    """Everything that waits for the client, largest amounts first within a kind; an empty
    digest (no section) means: send nothing."""
    mine = sorted(
        (d for d in dossiers if d.client_id == client_id), key=lambda d: (-d.owed_cents, d.debtor_id)
    )
    handovers = [
        WaitingItem(d.debtor.name, d.debtor_id, d.owed_cents)
        for d in mine
        if d.status is Status.AWAITING_HANDOVER_DECISION
    ]
    disputes: list[WaitingItem] = []
    dispute_count = 0
    for dossier in mine:
        waiting = [x for x in dossier.disputes if x.state is DisputeState.WITH_CLIENT]
        if waiting:
            dispute_count += len(waiting)
            numbers = {n for x in waiting for n in x.invoices}
            cents = sum(i.open_cents for i in dossier.invoices.values() if i.number in numbers)
            disputes.append(WaitingItem(dossier.debtor.name, dossier.debtor_id, cents))
    requests = [WaitingItem(d.debtor.name, d.debtor_id, d.due_cents) for d in mine if asks_for_arrangement(d)]
    held = [
        WaitingItem(h.file_name, upload_id=h.upload_id) for h in sorted(held_lists, key=lambda h: h.file_name)
    ]
    letters = [
        WaitingItem(f"{u.debtor_id} ({u.handed_over_on.isoformat()})", u.debtor_id)
        for u in sorted(unposted_letters, key=lambda u: (u.handed_over_on, u.debtor_id, u.step))
    ]
    sections = (
        _section(Waits.HANDOVER_DECISIONS, handovers),
        _section(Waits.DISPUTES, disputes, dispute_count),
        _section(Waits.ARRANGEMENT_REQUESTS, requests),
        _section(Waits.HELD_LISTS, held),
        _section(Waits.LETTERS_NOT_POSTED, letters),
    )
    return Digest(client_id, today, tuple(s for s in sections if s is not None))
