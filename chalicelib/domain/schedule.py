"""When a dossier is next looked at, and what is due then: the one rule behind every schedule.

Invariant (tested with a state machine over every trigger): an active dossier always has a next
action time. When it waits on a person (the client's hand-over or dispute decision, a pause the
client chose, the debtor's next installment), `Waiting` names that person and the date by which
they are reminded or the dossier moves on by itself.

`plan` answers "when next?" for `Dossier` methods (as their `Planner`); `due_now` answers "what
now?" for the action runner, from the same timers, so the two cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from chalicelib.domain.arrangements import Arrangement, Installment
from chalicelib.domain.clients import Client
from chalicelib.domain.contact_window import is_contact_allowed, next_contact_moment
from chalicelib.domain.dossier import (
    DisputeState,
    Dossier,
    Party,
    Planner,
    Schedule,
    Status,
    Waiting,
)
from chalicelib.domain.policies import AMSTERDAM, Action, Policy, PolicyStep

# The contact budget counts moments over this window (DOMAIN.md §11: about 6 a month).
BUDGET_WINDOW = timedelta(days=30)
# An installment's link goes out this many days before it is due (the first one right away).
LINK_LEAD_DAYS = 7
HANDOVER_DECISION = "handover_decision"
PAUSE = "pause"


def local_day(moment: datetime) -> date:
    return moment.astimezone(AMSTERDAM).date()


def morning(day: date) -> datetime:
    """08:30 Amsterdam on `day`, inside the contact window."""
    return next_contact_moment(datetime.combine(day, time(8, 30), tzinfo=AMSTERDAM).astimezone(UTC))


def planner(client: Client, policy: Policy, now: datetime) -> Planner:
    """The `Planner` a dossier method takes: this client's policy, as of `now`."""
    return lambda dossier: plan(dossier, client, policy, now)


# --- what is due -------------------------------------------------------------------------------


class Due(StrEnum):
    NOTHING = "nothing"  # closed or handed over: no further action
    NOT_YET = "not_yet"  # plan again (the next moment is later, or outside the contact window)
    REINSTATE_DISPUTED = "reinstate_disputed"
    REMIND_CLIENT_OF_DISPUTE = "remind_client_of_dispute"
    REMIND_CLIENT_OF_HANDOVER = "remind_client_of_handover"
    HANDOVER_DECISION_LAPSED = "handover_decision_lapsed"
    PAUSE_ENDED = "pause_ended"
    ARRANGEMENT = "arrangement"
    DUNNING_STEP = "dunning_step"
    # A step whose messages a provider did not all take: what did not go out is sent now.
    FINISH_STEP = "finish_step"


@dataclass(frozen=True)
class DueNow:
    what: Due
    step: PolicyStep | None = None


def due_now(dossier: Dossier, client: Client, policy: Policy, now: datetime) -> DueNow:
    """What the dossier needs at `now`, the most pressing first."""
    if not dossier.is_active:
        return DueNow(Due.NOTHING)
    if not is_contact_allowed(now):
        return DueNow(Due.NOT_YET)
    for dispute in dossier.open_disputes:
        if dispute.state is DisputeState.COPY_SENT and dispute.resume_at and dispute.resume_at <= now:
            return DueNow(Due.REINSTATE_DISPUTED)
    for dispute in dossier.open_disputes:
        if dispute.state is DisputeState.WITH_CLIENT and dispute.decide_by and dispute.decide_by <= now:
            return DueNow(Due.REMIND_CLIENT_OF_DISPUTE)
    waiting = dossier.waiting_for
    if dossier.status is Status.PAUSED:
        if waiting is None or waiting.until <= now:
            return DueNow(Due.PAUSE_ENDED)
        return DueNow(Due.NOT_YET)
    if dossier.status is Status.AWAITING_HANDOVER_DECISION:
        if waiting is None or waiting.about != HANDOVER_DECISION or waiting.until > now:
            return DueNow(Due.NOT_YET)
        if waiting.reminders < client.handover_reminders:
            return DueNow(Due.REMIND_CLIENT_OF_HANDOVER)
        return DueNow(Due.HANDOVER_DECISION_LAPSED)
    if dossier.status is Status.IN_ARRANGEMENT:
        return DueNow(Due.ARRANGEMENT)
    if dossier.accepts_dunning and dossier.due_cents > 0:
        if dossier.unfinished_step is not None:
            return DueNow(Due.FINISH_STEP, policy.step_numbered(dossier.unfinished_step))
        step = policy.next_step(dossier, client, local_day(now))
        at = _dunning_moment(dossier, client, policy, step, now)
        return DueNow(Due.DUNNING_STEP, step) if at <= now else DueNow(Due.NOT_YET)
    return DueNow(Due.NOT_YET)


# --- when next ---------------------------------------------------------------------------------


def plan(dossier: Dossier, client: Client, policy: Policy, now: datetime) -> Schedule:
    """The earliest of the dossier's timers: its own status's next moment and its disputes'."""
    if not dossier.is_active:
        return Schedule(None)
    candidates = [*_dispute_timers(dossier), _status_timer(dossier, client, policy, now)]
    timers = [s for s in candidates if s.at is not None]
    if not timers:
        # Nothing named a moment (a file whose undisputed part is paid, say): look again
        # tomorrow morning rather than go silent.
        return Schedule(morning(local_day(now) + timedelta(days=1)))
    first = min(timers, key=lambda s: (s.at, s.waiting is None))
    assert first.at is not None
    # A moment already past is now; and every action reaches a person: never plan one for a
    # night, a Sunday or a holiday.
    return Schedule(next_contact_moment(max(first.at, now)), first.waiting)


def _dispute_timers(dossier: Dossier) -> list[Schedule]:
    timers = []
    for dispute in dossier.open_disputes:
        if dispute.state is DisputeState.WITH_CLIENT and dispute.decide_by is not None:
            about = f"decision on the dispute about {', '.join(dispute.invoices)}"
            waiting = Waiting(Party.CLIENT, dispute.decide_by, about, dispute.client_reminders)
            timers.append(Schedule(dispute.decide_by, waiting))
        elif dispute.state is DisputeState.COPY_SENT and dispute.resume_at is not None:
            about = f"payment of {', '.join(dispute.invoices)} after a copy of the invoice"
            timers.append(Schedule(dispute.resume_at, Waiting(Party.DEBTOR, dispute.resume_at, about)))
    return timers


def _status_timer(dossier: Dossier, client: Client, policy: Policy, now: datetime) -> Schedule:
    waiting = dossier.waiting_for
    match dossier.status:
        case Status.PAUSED:
            if waiting is not None and waiting.about == PAUSE:
                return Schedule(waiting.until, waiting)
            return Schedule(now)
        case Status.AWAITING_HANDOVER_DECISION:
            if waiting is None or waiting.about != HANDOVER_DECISION:
                until = morning(local_day(now) + timedelta(days=client.decision_days))
                waiting = Waiting(Party.CLIENT, until, HANDOVER_DECISION)
            return Schedule(waiting.until, waiting)
        case Status.IN_ARRANGEMENT:
            return _arrangement_timer(dossier.arrangement, client, now)
        case Status.OPEN | Status.REMINDED if dossier.due_cents > 0:
            if dossier.unfinished_step is not None:
                return Schedule(now)
            step = policy.next_step(dossier, client, local_day(now))
            return Schedule(_dunning_moment(dossier, client, policy, step, now))
    return Schedule(None)


def _dunning_moment(
    dossier: Dossier, client: Client, policy: Policy, step: PolicyStep, now: datetime
) -> datetime:
    """When `step` may run: its policy day, after a promise to pay, within the contact budget and
    the contact window. A step that can never become due runs at once (to be skipped, recorded)."""
    due = max(policy.when_due(step, dossier, client) or now, now)
    if step.action is Action.HANDOVER_DECISION:
        return next_contact_moment(max(due, _after_last_reminder(dossier, policy, step)))
    if dossier.promised_on is not None:
        due = max(due, morning(dossier.promised_on + timedelta(days=1)))
    # Counted at the moment it would really go out: never more than the budget in any 30 days.
    return next_contact_moment(
        within_budget(dossier.contact_moments(), client.contact_moments_per_month, due)
    )


def _after_last_reminder(dossier: Dossier, policy: Policy, step: PolicyStep) -> datetime:
    """A hand-over is asked for no sooner after the last reminder than the policy's own gap: a
    reminder that went out late (after a pause, say) still gets its days to work."""
    sent = [m for m in dossier.messages if m.channel in ("email", "sms", "letter")]
    if not sent:
        return dossier.last_step_at or datetime.min.replace(tzinfo=UTC)
    last = max(sent, key=lambda m: m.sent_at)
    reminder = next((s for s in policy.steps if s.step == last.step), None)
    gap = step.day - reminder.day if reminder is not None and step.day > reminder.day else 0
    return morning(local_day(last.sent_at) + timedelta(days=gap))


def within_budget(moments: list[datetime], per_month: int, due: datetime) -> datetime:
    """The first moment at or after `due` when one more contact keeps the debtor within
    `per_month` contacts in any 30 days."""
    if per_month <= 0:
        return due
    while True:
        recent = sorted(m for m in moments if due - BUDGET_WINDOW < m <= due)
        if len(recent) < per_month:
            return due
        due = recent[len(recent) - per_month] + BUDGET_WINDOW


# --- arrangements ------------------------------------------------------------------------------


def installment_link_at(item: Installment) -> datetime:
    return morning(item.due_date - timedelta(days=LINK_LEAD_DAYS))


def installment_missed_at(item: Installment, grace_days: int) -> datetime:
    return morning(item.due_date + timedelta(days=grace_days + 1))


def installments_to_send(arrangement: Arrangement, now: datetime) -> list[Installment]:
    """Installments whose link is due and not yet sent, whatever happened to earlier ones: the
    first at once, each later one some days before its due date."""
    return [
        item
        for item in arrangement.installments
        if not item.is_paid
        and not item.link_sent
        and not item.missed
        and (item.number == 1 or installment_link_at(item) <= now)
    ]


def _arrangement_timer(arrangement: Arrangement | None, client: Client, now: datetime) -> Schedule:
    if arrangement is None:
        return Schedule(now)
    grace = client.arrangement_rules.grace_days
    moments: list[datetime] = []
    for item in arrangement.installments:
        if item.is_paid or item.missed:
            continue
        if not item.link_sent:
            moments.append(now if item.number == 1 else installment_link_at(item))
        moments.append(installment_missed_at(item, grace))
    if not moments:
        return Schedule(now)
    at = max(min(moments), now)
    upcoming = arrangement.next_open
    if upcoming is None:
        return Schedule(at)
    until = morning(upcoming.due_date)
    about = f"installment {upcoming.number} of {len(arrangement.installments)}"
    return Schedule(at, Waiting(Party.DEBTOR, max(until, at), about))
