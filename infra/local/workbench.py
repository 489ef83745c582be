"""The local workbench: the stack's clock, moved on request, and what the stack sent.

Moving the clock does what the schedule would have done in the time that passed: at every quarter
hour where a dossier is due it runs `sweep_due` and works the queued actions, at 04:30 UTC each day
`reconcile_payments`, and it drains the queues (uploads, import chunks, actions) at each moment.
Like `debtflow simulate`, it does not tick every 15 minutes: it jumps to the next moment with work.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib import bootstrap
from chalicelib.domain.contact_window import default_window, is_contact_allowed, next_contact_moment
from chalicelib.domain.dossier import Dossier
from infra.local.lambda_events import (
    REGION,
    LambdaContext,
    scheduled_event,
    ses_complaint,
    ses_permanent_bounce,
    sns_event,
)
from infra.local.outbox import Outbox, OutboxEntry
from infra.local.simulation import quarter_hour_on_or_after
from infra.local.stack import LocalStack
from infra.local.workbench_clock import ClockRefused, WorkbenchClock

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# The daily reconciliation's schedule (app.py: Cron(30, 4) UTC).
RECONCILE_AT = time(4, 30)
# The daily digest's schedule (app.py): 06:00 and 07:00 UTC, one of which is 08:00 Amsterdam.
DIGEST_AT = (time(6, 0), time(7, 0))
# Sweeps at one moment before a dossier that stays due is reported instead of swept forever.
ROUNDS_PER_MOMENT = 5
SWEEP_LIMIT = 5000
_WEEKDAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")


def local_time(moment: datetime) -> str:
    local = moment.astimezone(AMSTERDAM)
    return f"{_WEEKDAYS[local.weekday()]} {local:%d-%m-%Y %H:%M}"


@dataclass
class Run:
    """What the schedule did at one moment of a move."""

    at: datetime
    ran: list[str] = field(default_factory=list)
    handled: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "local": local_time(self.at),
            "ran": self.ran,
            "handled": self.handled,
        }


class Workbench:
    def __init__(self, stack: LocalStack, clock: WorkbenchClock) -> None:
        assert stack.endpoints is not None, "start the stack first"
        self.stack = stack
        self.clock = clock
        self.outbox = Outbox(stack.names.bucket)
        # The background poller of `make local` and a move of the clock never run handlers at once.
        self.lock = threading.RLock()
        bootstrap.clock = clock

    # --- the clock ------------------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        now = self.clock()
        return {
            "now": now.isoformat(),
            "local": local_time(now),
            "contact_window": self.contact_window(now),
            "dossiers": self._dossier_counts(),
        }

    def contact_window(self, now: datetime) -> dict[str, Any]:
        """Whether debtors may be contacted now, and when not, who waits until when."""
        window = default_window()
        hours = f"{window.start:%H:%M}-{window.end:%H:%M}"
        if is_contact_allowed(now, window):
            return {
                "open": True,
                "hours": hours,
                "note": f"Inside the contact window ({hours} Amsterdam time).",
            }
        opens = next_contact_moment(now, window)
        waiting = [d for d in self._dossiers() if d.next_action_at is not None and d.next_action_at <= opens]
        note = (
            f"Outside the contact window (Monday to Saturday {hours} Amsterdam time, not on holidays): "
            f"{len(waiting)} dossier{'s' if len(waiting) != 1 else ''} wait for it to open at "
            f"{local_time(opens)}. Advance the clock to see their messages go out."
        )
        return {
            "open": False,
            "hours": hours,
            "opens_at": opens.isoformat(),
            "opens_local": local_time(opens),
            "waiting": len(waiting),
            "note": note,
        }

    def move(self, target: datetime) -> dict[str, Any]:
        """Move the clock to `target`, running what the schedule would have run on the way."""
        with self.lock:
            start = self.clock()
            if target < start:
                raise ClockRefused(f"the clock only moves forward; it is {start.isoformat()} already")
            sent_before = {e.id for e in self.outbox.entries()}
            runs: list[Run] = []
            stuck: dict[str, str] = {}
            run = self._work_at(start, stuck, reconcile=False)
            if run.handled:
                runs.append(run)
            while (moment := self._next_moment(stuck)) is not None and moment <= target:
                self.clock.set(moment)
                runs.append(
                    self._work_at(
                        moment,
                        stuck,
                        reconcile=moment.time() == RECONCILE_AT,
                        digest=moment.time() in DIGEST_AT,
                    )
                )
            self.clock.set(target)
            run = self._work_at(target, stuck, reconcile=False)
            if run.handled:
                runs.append(run)
            sent = [e for e in self.outbox.entries() if e.id not in sent_before]
        return {
            "from": start.isoformat(),
            "to": target.isoformat(),
            "local": local_time(target),
            "runs": [r.as_json() for r in runs],
            "sent": [e.summary() for e in sent],
            "sent_counts": dict(Counter(e.channel for e in sent)),
            "stuck": [{"dossier": key, "due": due} for key, due in sorted(stuck.items())],
            "contact_window": self.contact_window(target),
            "dossiers": self._dossier_counts(),
        }

    def tick(self) -> int:
        """One round of the background poller: sweep at the current time and drain the queues."""
        with self.lock:
            return self._work_at(self.clock(), {}, reconcile=False).handled

    def _work_at(
        self, moment: datetime, stuck: dict[str, str], *, reconcile: bool, digest: bool = False
    ) -> Run:
        import app

        run = Run(moment)
        self._sync_mollie(moment)
        run.handled += self.stack.pump(max_rounds=100_000)
        if reconcile:
            app.reconcile_payments(
                scheduled_event("debtflow-local-reconcile_payments", moment),
                LambdaContext("debtflow-local-reconcile_payments"),
            )
            run.ran.append("reconcile_payments")
        if digest:
            app.send_daily_digest(
                scheduled_event("debtflow-local-send_daily_digest", moment),
                LambdaContext("debtflow-local-send_daily_digest"),
            )
            run.ran.append("send_daily_digest")
        for _ in range(ROUNDS_PER_MOMENT):
            if not self._due(moment, stuck):
                break
            self.stack.sweep(moment)
            run.handled += self.stack.pump(max_rounds=100_000)
            if "sweep_due" not in run.ran:
                run.ran.append("sweep_due")
        else:
            for key, due in self._due(moment, stuck).items():
                stuck[key] = due
        return run

    def _due(self, moment: datetime, stuck: dict[str, str]) -> dict[str, str]:
        """The dossiers the due index names at `moment`, less those already reported stuck there."""
        due: dict[str, str] = {}
        repository = bootstrap.dossier_repository()
        for client_id, debtor_id in repository.due(moment, SWEEP_LIMIT):
            dossier = repository.get(client_id, debtor_id)
            at = dossier.next_action_at if dossier else None
            key = f"{client_id}/{debtor_id}"
            if at is not None and at <= moment and stuck.get(key) != at.isoformat():
                due[key] = at.isoformat()
        return due

    def _next_moment(self, stuck: dict[str, str]) -> datetime | None:
        """The next quarter hour with a dossier due, or the next daily reconciliation, after now."""
        now = self.clock()
        moments = [_next_reconciliation(now), *(_next_daily(now, at) for at in DIGEST_AT)]
        for client_id, dossier in self._dossiers_by_client():
            at = dossier.next_action_at
            if at is None or stuck.get(f"{client_id}/{dossier.debtor_id}") == at.isoformat():
                continue
            moment = quarter_hour_on_or_after(at)
            if moment > now:
                moments.append(moment)
        return min(moments)

    def _sync_mollie(self, moment: datetime) -> None:
        # Mollie stamps paidAt and checks link expiry with its own clock: keep it on the stack's.
        behind = (moment - self.stack.mollie.now()).total_seconds()
        if behind > 0:
            self.stack.mollie.advance_time(behind)

    # --- the outbox -----------------------------------------------------------------------------------

    def feedback(self, entry_id: str, kind: str) -> dict[str, Any]:
        """An SES bounce or complaint of a sent e-mail, delivered to `ses_feedback` as SNS would."""
        import app

        entry = self.outbox.find(entry_id)
        if entry is None or entry.channel != "email":
            raise LookupError(f"no sent e-mail {entry_id!r} in the outbox")
        if kind not in ("bounce", "complaint"):
            raise ValueError("feedback is 'bounce' or 'complaint'")
        with self.lock:
            now = self.clock()
            message_id = entry.id.removeprefix("email-")
            address = entry.to.split(",")[0].strip()
            source = _sender_of(entry)
            notification = (
                ses_permanent_bounce(message_id, address, source, now)
                if kind == "bounce"
                else ses_complaint(message_id, address, source, now)
            )
            topic = f"arn:aws:sns:{REGION}:123456789012:{app.EMAIL_EVENTS_TOPIC}"
            event = sns_event(topic, notification, "Amazon SES Email Event Notification", now)
            app.ses_feedback(event, LambdaContext("debtflow-local-ses_feedback"))
            after = self.outbox.find(entry_id)
        recorded = after.summary()["feedback"] if after else None
        return {"id": entry_id, "sent": kind, "to": address, "recorded": recorded}

    # --- reading the stack ----------------------------------------------------------------------------

    def _dossiers_by_client(self) -> list[tuple[str, Dossier]]:
        repository = bootstrap.dossier_repository()
        return [
            (client.client_id, dossier)
            for client in bootstrap.client_directory().all()
            for dossier in repository.list_for_client(client.client_id)
        ]

    def _dossiers(self) -> list[Dossier]:
        return [dossier for _, dossier in self._dossiers_by_client()]

    def _dossier_counts(self) -> dict[str, int]:
        return dict(sorted(Counter(d.status.value for d in self._dossiers()).items()))

    def outbox_entries(self) -> list[OutboxEntry]:
        return self.outbox.entries()


def _next_reconciliation(now: datetime) -> datetime:
    return _next_daily(now, RECONCILE_AT)


def _next_daily(now: datetime, at: time) -> datetime:
    """The next moment after `now` at UTC time `at`."""
    today = datetime.combine(now.astimezone(UTC).date(), at, tzinfo=UTC)
    return today if today > now else today + timedelta(days=1)


def _sender_of(entry: OutboxEntry) -> str:
    client = bootstrap.client_directory().get(entry.recipient.client_id) if entry.recipient else None
    return f"{client.name} <{client.sender_email}>" if client else "noreply@debtflow.example"
