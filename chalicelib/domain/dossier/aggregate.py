"""The dossier: one file per debtor per client, holding the debtor's open invoices.

Only the methods below change a dossier: its status (through `apply` and the transition table in
`lifecycle.py`), its dunning step, its schedule, its arrangement and its disputes. Each leaves an
audit event, so the file a collection agency receives explains every step. Methods that move the
schedule take a `Planner`, the pure rule (`domain/schedule.py`) that says when the dossier is next
looked at and on whom it waits; so "what can move this dossier's schedule?" has one answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain import legal
from chalicelib.domain.arrangements import Arrangement
from chalicelib.domain.call_tasks import CallOutcome, CallTask
from chalicelib.domain.debtor_list import DebtorDetails
from chalicelib.domain.dossier import payments
from chalicelib.domain.dossier.lifecycle import (
    ACTIVE,
    CLOSED,
    DUNNING,
    TRANSITIONS,
    Status,
    Trigger,
)
from chalicelib.domain.dossier.records import (
    OPEN_DISPUTE_STATES,
    AuditEvent,
    CostCharge,
    Dispute,
    DisputeProof,
    DisputeReason,
    DisputeState,
    FourteenDayLetter,
    Invoice,
    Party,
    PaymentLink,
    ReceivedPayment,
    Schedule,
    SentMessage,
    Waiting,
)
from chalicelib.domain.errors import (
    CallTaskClosed,
    InvalidRequest,
    TransitionNotAllowed,
    UnknownCallTask,
)
from chalicelib.domain.reversals import ReversedDebit

OVERPAID_FLAG = "overpaid"
# A message the provider refused this many times is given up: a refusal may be passing (a sending
# quota, an address SES briefly suppressed), so it is tried again, but never without end.
MAX_REFUSALS = 3
# Costs are dated by the day the debtor sees, which is the Dutch day.
_AMSTERDAM = ZoneInfo("Europe/Amsterdam")

Planner = Callable[["Dossier"], Schedule]


@dataclass
class Dossier:
    client_id: str
    debtor: DebtorDetails
    opened_on: date
    status: Status = Status.OPEN
    step: int = 0
    # The policy step's name beside its number: a step inserted into a policy renumbers the ones
    # after it, and the name says where the dossier really stands (Policy.position). Empty for a
    # dossier saved before steps were named, and before its first step.
    step_name: str = ""
    invoices: dict[str, Invoice] = field(default_factory=dict)
    next_action_at: datetime | None = None
    payment_link: PaymentLink | None = None
    received_payment_ids: tuple[str, ...] = ()
    paid_cents: int = 0
    overpaid_cents: int = 0
    messages: tuple[SentMessage, ...] = ()
    # Collection costs and statutory interest charged to the debtor and still open; a payment pays
    # these before principal (BW 6:44). Dunning sets them when they become due.
    open_costs_cents: int = 0
    open_interest_cents: int = 0
    payments: dict[str, ReceivedPayment] = field(default_factory=dict)
    retired_links: tuple[PaymentLink, ...] = ()
    # Things the client must look at on the dashboard (e.g. "overpaid": money to refund or set off).
    flags: tuple[str, ...] = ()
    arrangement: Arrangement | None = None
    # Dunning: when the last policy step ran (steps may count from it), the 14-day letter that
    # started the consumer's term, and the call team's tasks.
    last_step_at: datetime | None = None
    fourteen_day_letter: FourteenDayLetter | None = None
    call_tasks: tuple[CallTask, ...] = ()
    # E-mail addresses SES reported as bouncing permanently or complaining (lower case). Kept on the
    # dossier, not on the debtor details the client's list overwrites: a re-import of the same
    # address leaves it unusable; a different address from the client is used again.
    undeliverable_emails: tuple[str, ...] = ()
    disputes: tuple[Dispute, ...] = ()
    # On whom the dossier waits (the client's decision, a pause, the next installment) and until when.
    waiting_for: Waiting | None = None
    # The client declined a hand-over (or let the decision lapse): after the policy's remaining
    # steps the file continues at the follow-up rhythm instead of asking again.
    handover_declined_at: datetime | None = None
    # Every change of the collection costs, dated and per 14-day letter (see `CostCharge`).
    cost_charges: tuple[CostCharge, ...] = ()
    # A dunning step some of whose messages a provider did not take (see `message_not_sent`): it is
    # due again until a retry sends what did not go out.
    unfinished_step: int | None = None
    version: int | None = None
    new_events: list[AuditEvent] = field(default_factory=list)

    # --- what the dossier shows ---------------------------------------------------------------

    @property
    def debtor_id(self) -> str:
        return self.debtor.debtor_id

    @property
    def open_cents(self) -> int:
        """Open principal, disputed invoices included."""
        return sum(invoice.open_cents for invoice in self.invoices.values())

    @property
    def disputed_invoice_numbers(self) -> frozenset[str]:
        return frozenset(n for d in self.disputes if d.is_open for n in d.invoices)

    @property
    def chased_invoices(self) -> list[Invoice]:
        """Open invoices that are not under an open dispute, oldest first: what messages, links
        and arrangements are about."""
        disputed = self.disputed_invoice_numbers
        return sorted(
            (i for i in self.invoices.values() if i.open_cents > 0 and i.number not in disputed),
            key=lambda i: (i.due_date, i.number),
        )

    @property
    def chased_cents(self) -> int:
        return sum(i.open_cents for i in self.chased_invoices)

    @property
    def due_cents(self) -> int:
        """What the debtor is asked to pay now: undisputed principal plus open costs and interest."""
        return self.chased_cents + self.open_costs_cents + self.open_interest_cents

    @property
    def owed_cents(self) -> int:
        """Everything still owed, disputed invoices included: the dossier closes only at zero."""
        return self.open_cents + self.open_costs_cents + self.open_interest_cents

    @property
    def charged_costs_cents(self) -> int:
        """Collection costs charged so far: still open plus what payments already covered."""
        return self.open_costs_cents + sum(p.costs_cents for p in self.payments.values())

    def costs_charged_since(self, first_day: date, *, leave_out_current_letter: bool = False) -> int:
        """Collection costs charged on or after `first_day` (lowerings subtracted): what counts
        against the [open] cap for small recurring claims. With `leave_out_current_letter`, the
        charges under the current 14-day letter are left out (they are that letter's own)."""
        current = self._costs_basis()
        return sum(
            c.cents
            for c in self.cost_charges
            if c.charged_on >= first_day and not (leave_out_current_letter and c.letter_posted_on == current)
        )

    def _costs_basis(self) -> date | None:
        letter = self.fourteen_day_letter
        return letter.posted_on if letter is not None else None

    @property
    def costs_charged_under_current_letter(self) -> int:
        """What the current 14-day letter (or, without one, the business's late invoices) has
        charged so far. A dossier stored before charges were dated holds only its running total."""
        if not self.cost_charges:
            return self.charged_costs_cents
        basis = self._costs_basis()
        return sum(c.cents for c in self.cost_charges if c.letter_posted_on == basis)

    @property
    def charged_interest_cents(self) -> int:
        """Statutory interest charged so far: still open plus what payments already covered."""
        return self.open_interest_cents + sum(p.interest_cents for p in self.payments.values())

    @property
    def usable_email(self) -> str | None:
        """The debtor's e-mail address, unless it bounced permanently or drew a complaint."""
        email = self.debtor.email
        if not email or email.strip().lower() in self.undeliverable_emails:
            return None
        return email

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED

    @property
    def accepts_dunning(self) -> bool:
        return self.status in DUNNING

    @property
    def open_disputes(self) -> tuple[Dispute, ...]:
        return tuple(d for d in self.disputes if d.is_open)

    def contact_moments(self) -> list[datetime]:
        """When the debtor was contacted, one moment per dunning step or call (for the contact
        budget: about 6 moments a month over all channels, DOMAIN.md §11)."""
        debtor_channels = ("email", "sms", "letter", "whatsapp")
        # A step's first try is its moment (a message sent again later is the same contact); a
        # message given up never reached the debtor.
        steps: dict[int, datetime] = {}
        for m in self.messages:
            if m.channel in debtor_channels and not m.failed:
                steps[m.step] = min(steps.get(m.step, m.sent_at), m.sent_at)
        moments = set(steps.items()) | {(t.step, t.created_at) for t in self.call_tasks}
        return sorted(at for _, at in moments)

    # --- the audit trail and the transition table ---------------------------------------------

    def record(self, event: AuditEvent) -> None:
        self.new_events.append(event)

    def _note(self, what: str, *, at: datetime, actor: str, reason: str, **details: Any) -> None:
        self.record(AuditEvent(at=at, what=what, actor=actor, reason=reason, details=details))

    def apply(self, trigger: Trigger, *, at: datetime, actor: str, reason: str, **details: Any) -> None:
        new_status = TRANSITIONS.get((self.status, trigger))
        if new_status is None:
            raise TransitionNotAllowed(self.status.value, trigger.value)
        self.record(
            AuditEvent(
                at=at,
                what=trigger.value,
                actor=actor,
                reason=reason,
                from_status=self.status,
                to_status=new_status,
                details=details,
            )
        )
        self.status = new_status

    def may(self, trigger: Trigger) -> bool:
        return (self.status, trigger) in TRANSITIONS

    # --- the schedule -------------------------------------------------------------------------

    def _schedule(self, schedule: Schedule, *, at: datetime, actor: str) -> None:
        """Set when the dossier is next looked at; a change leaves an event in the trail."""
        if schedule.at == self.next_action_at and schedule.waiting == self.waiting_for:
            return
        self.next_action_at = schedule.at
        self.waiting_for = schedule.waiting
        waiting = schedule.waiting
        self._note(
            "next_action_planned",
            at=at,
            actor=actor,
            reason=f"waits for the {waiting.who.value}: {waiting.about}" if waiting else "the schedule",
            next_action_at=schedule.at.isoformat() if schedule.at else None,
            waiting_for=waiting.who.value if waiting else None,
            about=waiting.about if waiting else None,
        )

    def _stop(self, *, at: datetime, actor: str) -> None:
        self._schedule(Schedule(None), at=at, actor=actor)

    def _wake(self, *, at: datetime, actor: str) -> None:
        """Look at the dossier again now: the next action works out what follows."""
        self._schedule(Schedule(at), at=at, actor=actor)

    def reschedule(self, then: Planner, *, at: datetime, actor: str) -> None:
        """Nothing to do yet (a step not yet due, outside the contact window): plan again."""
        self._schedule(then(self), at=at, actor=actor)

    # --- invoices, as the client's list shows them -------------------------------------------

    @classmethod
    def open(
        cls,
        client_id: str,
        debtor: DebtorDetails,
        invoices: Iterable[Invoice],
        *,
        today: date,
        at: datetime,
        actor: str,
        first_action_at: datetime | None,
        reason: str = "a new debtor on the client's list",
    ) -> Dossier:
        """A new debtor on the client's list, its invoices, and the first step of its policy."""
        dossier = cls(client_id=client_id, debtor=debtor, opened_on=today)
        items = list(invoices)
        dossier._note(
            "dossier_opened",
            at=at,
            actor=actor,
            reason=reason,
            invoices=len(items),
        )
        for invoice in items:
            dossier.take_invoice(invoice, at=at, actor=actor)
        # Part of opening (no event of its own): a large list opens many dossiers at once.
        dossier.next_action_at = first_action_at
        return dossier

    def update_debtor(self, debtor: DebtorDetails) -> bool:
        """The client's list has newer contact details (the audit trail keeps no personal data)."""
        if debtor == self.debtor:
            return False
        self.debtor = debtor
        return True

    def take_invoice(self, invoice: Invoice, *, at: datetime, actor: str) -> bool:
        """Add a new invoice or update an existing one; True when anything changed."""
        known = self.invoices.get(invoice.number)
        if known == invoice:
            return False
        self.invoices[invoice.number] = invoice
        if known is None:
            self._note(
                "invoice_added",
                at=at,
                actor=actor,
                reason="invoice on the client's list",
                invoice=invoice.number,
                open_cents=invoice.open_cents,
            )
        elif invoice.open_cents != known.open_cents:
            self._note(
                "invoice_amount_changed",
                at=at,
                actor=actor,
                reason=(
                    "partly paid to the client directly"
                    if abs(invoice.open_cents) < abs(known.open_cents)
                    else "open amount raised on the client's list"
                ),
                invoice=invoice.number,
                from_cents=known.open_cents,
                to_cents=invoice.open_cents,
            )
        if self.is_closed and self.open_cents > 0:
            self.apply(Trigger.REOPENED, at=at, actor=actor, reason="an open invoice appeared again")
            self._wake(at=at, actor=actor)
        return True

    def record_reversed_debit(self, reversal: ReversedDebit, *, at: datetime, actor: str) -> bool:
        """The member's bank reversed a direct debit (storno): the amount is owed again, as an item
        carrying the bank's reason code, and a closed dossier reopens. The same reversal arriving
        again (in another file of the bank) changes nothing; True when anything changed."""
        number = reversal.item_number
        known = self.invoices.get(number)
        if known is not None and known.reversal_code is not None:
            return False
        self.invoices[number] = Invoice(
            number=number,
            due_date=reversal.collected_on,
            amount_cents=reversal.amount_cents,
            open_cents=reversal.amount_cents,
            invoice_date=known.invoice_date if known else None,
            reversal_code=reversal.reason_code,
        )
        self._note(
            "direct_debit_reversed",
            at=at,
            actor=actor,
            reason="the member's bank reversed the direct debit",
            invoice=number,
            reason_code=reversal.reason_code,
            amount_cents=reversal.amount_cents,
            collected_on=reversal.collected_on.isoformat(),
        )
        if self.is_closed:
            self.apply(Trigger.REOPENED, at=at, actor=actor, reason="a direct debit was reversed")
            self._wake(at=at, actor=actor)
        self._retire_link_if_amount_changed(at=at, actor=actor)
        return True

    def settle_invoice_by_client(self, number: str, *, at: datetime, actor: str, reason: str) -> bool:
        """The client was paid directly: stop chasing this invoice. True when anything changed."""
        known = self.invoices.get(number)
        if known is None or not known.is_open:
            return False
        self.invoices[number] = replace(known, open_cents=0)
        self._note(
            "invoice_settled_by_client",
            at=at,
            actor=actor,
            reason=reason,
            invoice=number,
            settled_cents=known.open_cents,
        )
        self._close_answered_disputes(at=at, actor=actor)
        if self.is_active and self.open_cents <= 0:
            self.settle(at=at, actor=actor, reason="nothing is left open on the client's list")
        return True

    def settle(self, *, at: datetime, actor: str, reason: str) -> None:
        """The client's books show nothing left to chase: the dossier closes."""
        self.apply(Trigger.SETTLED_BY_CLIENT, at=at, actor=actor, reason=reason)
        self._stop(at=at, actor=actor)

    def restart_dunning(
        self, *, today: date, at: datetime, actor: str, first_action_at: datetime | None
    ) -> None:
        """A reopened dossier holds an invoice nobody reminded yet: its dunning starts from step 1
        (the 14-day letter of BW 6:96 lid 6 is owed for the new invoice too)."""
        self._note(
            "dunning_restarted",
            at=at,
            actor=actor,
            reason="a new open invoice after the dossier was closed",
            previous_step=self.step,
            previous_opened_on=self.opened_on.isoformat(),
        )
        self.step = 0
        self.step_name = ""
        self.opened_on = today
        self.handover_declined_at = None
        self._schedule(Schedule(first_action_at), at=at, actor=actor)

    # --- dunning: steps, messages, letters, calls ---------------------------------------------

    def take_step(
        self,
        step: int,
        messages: Sequence[SentMessage],
        then: Planner,
        *,
        step_name: str,
        at: datetime,
        actor: str,
        letter: FourteenDayLetter | None = None,
    ) -> None:
        """The claim of a dunning step: everything it will send, recorded before anything leaves,
        and the step after it planned. A redelivered action finds the step taken."""
        self.step, self.step_name = step, step_name
        self.last_step_at = at
        self.apply(Trigger.REMINDER_SENT, at=at, actor=actor, reason=f"dunning step {step}", step=step)
        for message in messages:
            self.record_message(message, actor=actor)
        if letter is not None:
            self.record_fourteen_day_letter(letter, at=at, actor=actor)
        self._schedule(then(self), at=at, actor=actor)

    def still_to_send(self, step: int, channel: str, template: str) -> bool:
        """Whether a message of `step` on `channel` is yet to go out: the step never recorded it,
        or the provider did not take it and it was not given up."""
        recorded = [m for m in self.messages if (m.step, m.channel, m.template) == (step, channel, template)]
        return not recorded or any(m.awaits_retry for m in recorded)

    def message_not_sent(
        self, step: int, channel: str, template: str, *, reason: str, refused: bool, at: datetime, actor: str
    ) -> bool:
        """The message of (step, channel, template) provably did not go out (throttled, refused, its
        copy not kept): the step stays unfinished and is due again now, so a retry sends it and only
        it. A message refused `MAX_REFUSALS` times is given up: marked failed with the reason, a
        refused e-mail address is not used again, and the retry takes the channel the policy uses
        without it (an SMS, the letter). Returns True when the message was given up."""
        message = next(
            (
                m
                for m in self.messages
                if (m.step, m.channel, m.template) == (step, channel, template)
                and not m.confirmed
                and not m.failed
            ),
            None,
        )
        if message is None:
            return False
        refusals = message.refusals + (1 if refused else 0)
        failed = refusals >= MAX_REFUSALS
        self.messages = tuple(
            replace(m, not_sent=reason, refusals=refusals, failed=failed) if m is message else m
            for m in self.messages
        )
        self._note(
            "message_failed" if failed else "message_not_sent",
            at=at,
            actor=actor,
            reason=reason,
            step=step,
            channel=channel,
            template=template,
            refusals=refusals,
        )
        if failed and channel == "email" and self.debtor.email:
            self.reject_email_address(
                self.debtor.email,
                at=at,
                actor=actor,
                reason=f"the e-mail was refused {refusals} times: {reason}",
            )
        self.unfinished_step = step
        self._wake(at=at, actor=actor)
        return failed

    def finish_step(
        self,
        step: int,
        messages: Sequence[SentMessage],
        then: Planner,
        *,
        at: datetime,
        actor: str,
        letter: FourteenDayLetter | None = None,
    ) -> None:
        """The claim of what an unfinished step still sends: each message that did not go out is
        claimed again in its place (its refusals counted on), a channel taken instead of one given
        up is added; then the step after it is planned. A redelivered retry finds it claimed."""
        for message in messages:
            earlier = next(
                (
                    m
                    for m in self.messages
                    if (m.step, m.channel, m.template) == (message.step, message.channel, message.template)
                    and m.awaits_retry
                ),
                None,
            )
            if earlier is None:
                self.record_message(message, actor=actor)
                continue
            again = replace(message, refusals=earlier.refusals)
            self.messages = tuple(again if m is earlier else m for m in self.messages)
            self._note(
                "message_sent_again",
                at=message.sent_at,
                actor=actor,
                reason=f"dunning step {step}: the first try did not go out ({earlier.not_sent})",
                step=step,
                channel=message.channel,
                template=message.template,
                amount_cents=message.amount_cents,
                payment_id=message.payment_id,
            )
        if letter is not None:
            self.record_fourteen_day_letter(letter, at=at, actor=actor)
        self.unfinished_step = None
        self._note("step_finished", at=at, actor=actor, reason=f"dunning step {step}", step=step)
        self._schedule(then(self), at=at, actor=actor)

    def skip_step(
        self, step: int, then: Planner, *, step_name: str, at: datetime, actor: str, reason: str
    ) -> None:
        """A step that cannot be taken for this debtor (no contact details, a term that can never
        start): recorded as skipped, and the next one planned."""
        self.step, self.step_name = step, step_name
        self.last_step_at = at
        self._note("step_skipped", at=at, actor=actor, reason=reason, step=step)
        self._schedule(then(self), at=at, actor=actor)

    def open_call_task(self, task: CallTask, then: Planner, *, step_name: str, actor: str) -> bool:
        """Put a call on the team's worklist as this step; False when it already exists."""
        if any(t.task_id == task.task_id for t in self.call_tasks):
            return False
        self.step, self.step_name = task.step, step_name
        self.last_step_at = task.created_at
        self.call_tasks = (*self.call_tasks, task)
        self._note(
            "call_task_opened",
            at=task.created_at,
            actor=actor,
            reason=f"phone contact moment of dunning step {task.step}",
            task_id=task.task_id,
            call_from=task.call_from.isoformat(),
        )
        self._schedule(then(self), at=task.created_at, actor=actor)
        return True

    def record_message(self, message: SentMessage, *, actor: str) -> None:
        self.messages = (*self.messages, message)
        self._note(
            "message_sent",
            at=message.sent_at,
            actor=actor,
            reason=f"dunning step {message.step}",
            step=message.step,
            channel=message.channel,
            template=message.template,
            amount_cents=message.amount_cents,
            payment_id=message.payment_id,
            s3_key=message.s3_key,
        )

    def record_household_message(self, message: SentMessage, household: str, *, actor: str) -> bool:
        """This member's items went out in one message to the household's payer, with one link for
        the household's total (`message.payment_id`). False when this step's household message is
        on the dossier already (a redelivered action)."""
        if any(
            (m.step, m.channel, m.template) == (message.step, message.channel, message.template)
            for m in self.messages
        ):
            return False
        self.messages = (*self.messages, message)
        self._note(
            "household_message_sent",
            at=message.sent_at,
            actor=actor,
            reason="one message to the payer of the household, naming each member and their items",
            household=household,
            step=message.step,
            channel=message.channel,
            template=message.template,
            amount_cents=message.amount_cents,
            payment_id=message.payment_id,
        )
        return True

    def letter_posted(
        self,
        step: int,
        posted_on: date,
        then: Planner,
        *,
        receipt_offset_days: int,
        at: datetime,
        actor: str,
    ) -> bool:
        """The print partner reports the letter of `step` posted on `posted_on`. For a 14-day
        letter the term now runs from that day (BW 6:96 lid 6: the term starts from receipt, and
        receipt is presumed from the posting date), and its costs can become due. Returns False
        (and changes nothing) for an unknown letter or a repeated report of the same date."""
        letters = [m for m in self.messages if m.step == step and m.channel == "letter"]
        if not letters or all(m.posted_on == posted_on for m in letters):
            return False
        self.messages = tuple(
            replace(m, posted_on=posted_on) if (m.step, m.channel) == (step, "letter") else m
            for m in self.messages
        )
        letter = self.fourteen_day_letter
        moved_term = letter is not None and letter.step == step
        if letter is not None and moved_term:
            term = legal.fourteen_day_term(posted_on, receipt_offset_days=receipt_offset_days)
            self.fourteen_day_letter = replace(
                letter,
                posted_on=posted_on,
                presumed_receipt=term.presumed_receipt,
                last_day=term.last_day,
                costs_due_from=term.costs_due_from,
                posting_reported=True,
            )
        self._note(
            "letter_posted",
            at=at,
            actor=actor,
            reason=f"the print partner reported the letter of step {step} posted on {posted_on.isoformat()}",
            step=step,
            posted_on=posted_on.isoformat(),
        )
        if letter is not None and moved_term:
            self._costs_follow_the_posting_date(letter.posted_on, at=at, actor=actor)
        # A step waiting for the term (the hand-over) now knows when it ends.
        self._schedule(then(self), at=at, actor=actor)
        return True

    def _costs_follow_the_posting_date(
        self, provisional_posted_on: date, *, at: datetime, actor: str
    ) -> None:
        """The 14-day letter's costs were charged under its provisional posting date (the day of
        the step). They are that letter's costs, so they move to the reported date; and what was
        charged before the term from that date ended is taken back (BW 6:96 lid 6: no costs before
        the term has run), to be charged again by dunning once it has. What the debtor already
        paid stays paid, as when charges are lowered after a credit. The amount the letter
        announced does not change: it is what the paper says, and the most that may be charged."""
        letter = self.fourteen_day_letter
        assert letter is not None
        self.cost_charges = tuple(
            replace(c, letter_posted_on=letter.posted_on)
            if c.letter_posted_on == provisional_posted_on
            else c
            for c in self.cost_charges
        )
        today = at.astimezone(_AMSTERDAM).date()
        if today >= letter.costs_due_from:
            return
        off = min(self.open_costs_cents, self.costs_charged_under_current_letter)
        if off <= 0:
            return
        self.open_costs_cents -= off
        self.cost_charges = (*self.cost_charges, CostCharge(today, -off, letter.posted_on))
        self._note(
            "charges_lowered",
            at=at,
            actor=actor,
            reason=(
                f"the 14-day letter was posted on {letter.posted_on.isoformat()}: its costs are due only "
                f"from {letter.costs_due_from.isoformat()}"
            ),
            costs_cents=off,
            interest_cents=0,
        )

    def confirm_message(
        self,
        step: int,
        channel: str,
        provider_id: str,
        *,
        at: datetime,
        actor: str,
        template: str | None = None,
    ) -> None:
        """The provider accepted the message of (step, channel[, template]): note its id. A
        reminder to the client shares its step with the request, so the template tells them apart."""

        def matches(m: SentMessage) -> bool:
            return (
                (m.step, m.channel) == (step, channel)
                and template in (None, m.template)
                and not m.confirmed
                and not m.failed
            )

        self.messages = tuple(
            replace(m, provider_id=provider_id, confirmed=True) if matches(m) else m for m in self.messages
        )
        self._note(
            "message_delivered_to_provider",
            at=at,
            actor=actor,
            reason="the provider accepted the message",
            step=step,
            channel=channel,
            provider_id=provider_id,
        )

    def record_email_feedback(
        self, step: int, channel: str, feedback: str, *, at: datetime, actor: str, reason: str, **details: Any
    ) -> bool:
        """Note SES's report on the e-mail of (step, channel); False when it was noted already
        (SNS delivers at least once)."""
        known = next((m for m in self.messages if (m.step, m.channel) == (step, channel)), None)
        if known is not None and known.feedback == feedback:
            return False
        self.messages = tuple(
            replace(m, feedback=feedback) if (m.step, m.channel) == (step, channel) else m
            for m in self.messages
        )
        self._note(
            "email_feedback",
            at=at,
            actor=actor,
            reason=reason,
            step=step,
            channel=channel,
            feedback=feedback,
            **details,
        )
        return True

    def reject_email_address(
        self, address: str, *, at: datetime, actor: str, reason: str, **details: Any
    ) -> bool:
        """SES reported `address` as bouncing permanently or complaining: stop using it. True when
        the address was newly marked; a repeated notification changes nothing."""
        normalised = address.strip().lower()
        if not normalised or normalised in self.undeliverable_emails:
            return False
        self.apply(Trigger.EMAIL_ADDRESS_REJECTED, at=at, actor=actor, reason=reason, **details)
        self.undeliverable_emails = (*self.undeliverable_emails, normalised)
        return True

    def record_fourteen_day_letter(self, letter: FourteenDayLetter, *, at: datetime, actor: str) -> None:
        """The posting date starts the consumer's term (BW 6:96 lid 6); a later letter replaces an
        earlier one only as a new, correct letter would (HR 25-11-2016)."""
        self.fourteen_day_letter = letter
        self._note(
            "fourteen_day_letter_posted",
            at=at,
            actor=actor,
            reason="BW 6:96 lid 6: the term starts the day after presumed receipt",
            posted_on=letter.posted_on.isoformat(),
            presumed_receipt=letter.presumed_receipt.isoformat(),
            last_day=letter.last_day.isoformat(),
            costs_due_from=letter.costs_due_from.isoformat(),
            principal_cents=letter.principal_cents,
            costs_cents=letter.costs_cents,
            invoices=list(letter.invoices),
        )

    # --- the client's decisions ---------------------------------------------------------------

    def request_handover_decision(
        self,
        step: int,
        message: SentMessage | None,
        *,
        step_name: str,
        at: datetime,
        actor: str,
        reason: str,
        decide_by: datetime,
    ) -> None:
        """Ask the client whether to hand the file over; the dossier waits for the answer and the
        client is reminded at `decide_by`. Without a message the question reaches the client in
        the daily digest, which lists every decision waiting."""
        self.step, self.step_name = step, step_name
        self.last_step_at = at
        self.apply(Trigger.HANDOVER_DECISION_REQUESTED, at=at, actor=actor, reason=reason)
        if message is not None:
            self.record_message(message, actor=actor)
        waiting = Waiting(Party.CLIENT, decide_by, "handover_decision")
        self._schedule(Schedule(decide_by, waiting), at=at, actor=actor)

    def remind_client(
        self, message: SentMessage, then: Planner, *, at: datetime, actor: str, again_at: datetime
    ) -> None:
        """The client has not decided by the date it was given: a reminder, and `again_at` as
        the new date for every decision that was due."""
        self.record_message(message, actor=actor)
        self._note("client_reminded", at=at, actor=actor, reason=f"no decision yet ({message.template})")
        waiting = self.waiting_for
        if waiting is not None and waiting.who is Party.CLIENT and waiting.until <= at:
            self.waiting_for = replace(waiting, until=again_at, reminders=waiting.reminders + 1)
        self.disputes = tuple(
            replace(d, decide_by=again_at, client_reminders=d.client_reminders + 1)
            if d.state is DisputeState.WITH_CLIENT and d.decide_by is not None and d.decide_by <= at
            else d
            for d in self.disputes
        )
        self._schedule(then(self), at=at, actor=actor)

    def approve_handover(self, *, at: datetime, actor: str) -> None:
        self.apply(
            Trigger.CLIENT_APPROVED_HANDOVER,
            at=at,
            actor=actor,
            reason="the client chose to hand the file over",
        )
        self._stop(at=at, actor=actor)

    def decline_handover(self, then: Planner, *, at: datetime, actor: str) -> None:
        """No hand-over: the policy's remaining steps run, then the follow-up rhythm."""
        self.apply(
            Trigger.CLIENT_DECLINED_HANDOVER,
            at=at,
            actor=actor,
            reason="the client declined a hand-over; reminders continue at the follow-up rhythm",
        )
        self.handover_declined_at = at
        self._schedule(then(self), at=at, actor=actor)

    def lapse_handover_decision(self, then: Planner, *, at: datetime, actor: str) -> None:
        self.apply(
            Trigger.HANDOVER_DECISION_LAPSED,
            at=at,
            actor=actor,
            reason="the client did not decide after reminders; reminders continue at the follow-up "
            "rhythm and a hand-over can still be asked for",
        )
        self.handover_declined_at = at
        self._schedule(then(self), at=at, actor=actor)

    def pause(self, until: datetime, *, at: datetime, actor: str, reason: str) -> None:
        """The client stops the messages until `until`; dunning resumes by itself then."""
        if until <= at:
            raise InvalidRequest("a pause must end in the future")
        if self.status is Status.AWAITING_HANDOVER_DECISION:
            self.handover_declined_at = at
        self.apply(Trigger.CLIENT_PAUSED_DUNNING, at=at, actor=actor, reason=reason, until=until.isoformat())
        self._schedule(Schedule(until, Waiting(Party.CLIENT, until, "pause")), at=at, actor=actor)

    def resume(self, then: Planner, *, at: datetime, actor: str) -> None:
        self.apply(
            Trigger.CLIENT_RESUMED_DUNNING, at=at, actor=actor, reason="the client resumed the reminders"
        )
        self._schedule(then(self), at=at, actor=actor)

    def end_pause(self, then: Planner, *, at: datetime, actor: str) -> None:
        self.apply(Trigger.PAUSE_ENDED, at=at, actor=actor, reason="the pause the client chose has ended")
        self._schedule(then(self), at=at, actor=actor)

    def withdraw(self, *, at: datetime, actor: str, reason: str) -> None:
        """The client takes the file back: nothing more is sent."""
        self.apply(
            Trigger.WITHDRAWN_BY_CLIENT, at=at, actor=actor, reason=reason or "the client withdrew the file"
        )
        self.retire_payment_link(at=at, actor=actor, reason="the file was withdrawn")
        self._stop(at=at, actor=actor)

    # --- disputes -----------------------------------------------------------------------------

    def file_dispute(
        self,
        invoices: Sequence[str],
        reason: DisputeReason,
        then: Planner,
        *,
        at: datetime,
        actor: str,
        note: str = "",
        decide_by: datetime,
        copy_term_ends: datetime,
    ) -> Dispute:
        """The debtor objects to `invoices`. Those drop out of what is chased; the rest goes on.

        Answered from what we know where possible (DOMAIN.md §11): "already paid" for an invoice
        that our payments or the client's paid list closed is confirmed at once; "never received"
        gets a copy and a fresh term until `copy_term_ends`; anything else goes to the client, who
        is reminded at `decide_by`."""
        numbers = tuple(dict.fromkeys(invoices))
        if not numbers:
            raise InvalidRequest("name at least one invoice")
        unknown = [n for n in numbers if n not in self.invoices]
        if unknown:
            raise InvalidRequest(f"this dossier has no invoice {', '.join(unknown)}")
        already = sorted(set(numbers) & self.disputed_invoice_numbers)
        if already:
            raise InvalidRequest(f"invoice {', '.join(already)} is already disputed")
        if not self.may(Trigger.INVOICES_DISPUTED):
            raise TransitionNotAllowed(self.status.value, Trigger.INVOICES_DISPUTED.value)
        if reason is DisputeReason.ALREADY_PAID and all(not self.invoices[n].is_open for n in numbers):
            state, until = DisputeState.CONFIRMED_PAID, None
        elif any(not self.invoices[n].is_open for n in numbers):
            closed = [n for n in numbers if not self.invoices[n].is_open]
            raise InvalidRequest(f"invoice {', '.join(closed)} is not open")
        elif reason is DisputeReason.NEVER_RECEIVED:
            state, until = DisputeState.COPY_SENT, copy_term_ends
        else:
            state, until = DisputeState.WITH_CLIENT, decide_by
        dispute = Dispute(
            dispute_id=f"dispute-{len(self.disputes) + 1}",
            invoices=numbers,
            reason=reason,
            opened_at=at,
            state=state,
            note=note,
            actor=actor,
            decide_by=until if state is DisputeState.WITH_CLIENT else None,
            resume_at=until if state is DisputeState.COPY_SENT else None,
            closed_at=None if state in OPEN_DISPUTE_STATES else at,
        )
        self.disputes = (*self.disputes, dispute)
        details = {
            "dispute_id": dispute.dispute_id,
            "invoices": list(numbers),
            "reason_code": reason.value,
            "state": state.value,
        }
        if not dispute.is_open:
            self.apply(
                Trigger.DISPUTE_ANSWERED,
                at=at,
                actor=actor,
                reason="the disputed invoices are paid in our records: the debtor is told so",
                **details,
            )
        elif not self.chased_invoices and self.may(Trigger.DISPUTE_FILED):
            self.apply(
                Trigger.DISPUTE_FILED, at=at, actor=actor, reason="every open invoice is disputed", **details
            )
        else:
            self.apply(
                Trigger.INVOICES_DISPUTED,
                at=at,
                actor=actor,
                reason="the disputed invoices wait; the others are still chased",
                **details,
            )
        self._retire_link_if_amount_changed(at=at, actor=actor)
        self._schedule(then(self), at=at, actor=actor)
        return dispute

    def _dispute(self, dispute_id: str) -> Dispute:
        found = next((d for d in self.disputes if d.dispute_id == dispute_id), None)
        if found is None:
            raise InvalidRequest(f"this dossier has no dispute {dispute_id}")
        return found

    def _replace_dispute(self, dispute: Dispute) -> None:
        self.disputes = tuple(dispute if d.dispute_id == dispute.dispute_id else d for d in self.disputes)

    def attach_dispute_proof(self, dispute_id: str, proof: DisputeProof, *, actor: str) -> bool:
        """A checked file joins the "already paid" dispute for the client to read before deciding.
        False when this file was already attached or refused (a redelivered upload notice)."""
        dispute = self._dispute(dispute_id)
        if dispute.reason is not DisputeReason.ALREADY_PAID:
            raise InvalidRequest(f"{dispute_id} is not about an invoice already paid")
        if proof.key in dispute.refused_proofs or any(p.key == proof.key for p in dispute.proofs):
            return False
        self.apply(
            Trigger.DISPUTE_PROOF_RECEIVED,
            at=proof.received_at,
            actor=actor,
            reason="the debtor sent a proof of payment; its content is a PDF or image of allowed size",
            dispute_id=dispute_id,
            key=proof.key,
            content_type=proof.content_type,
            size_bytes=proof.size_bytes,
        )
        self._replace_dispute(replace(dispute, proofs=(*dispute.proofs, proof)))
        return True

    def refuse_dispute_proof(self, dispute_id: str, key: str, why: str, *, at: datetime, actor: str) -> bool:
        """A file that is not what a proof may be (another type whatever its name, too large,
        empty): recorded as refused, never shown to anyone. False when already recorded."""
        dispute = self._dispute(dispute_id)
        if key in dispute.refused_proofs or any(p.key == key for p in dispute.proofs):
            return False
        self.apply(
            Trigger.DISPUTE_PROOF_REFUSED,
            at=at,
            actor=actor,
            reason=f"the uploaded file was refused: {why}",
            dispute_id=dispute_id,
            key=key,
            refused_because=why,
        )
        self._replace_dispute(replace(dispute, refused_proofs=(*dispute.refused_proofs, key)))
        return True

    def decide_dispute(
        self,
        invoices: Sequence[str],
        credit: bool,
        then: Planner,
        *,
        at: datetime,
        actor: str,
        note: str = "",
        charges_after_credit: Callable[[Dossier], tuple[int, int]] | None = None,
    ) -> tuple[Dispute, ...]:
        """The client's answer on disputed invoices: uphold (they are chased again) or credit
        (they close). Costs and interest that followed from a credited invoice go with it:
        `charges_after_credit` says what the dossier may still be charged (costs, interest) over
        what is left. Returns the disputes that were decided."""
        wanted = set(invoices)
        decided = tuple(
            d for d in self.disputes if d.state is DisputeState.WITH_CLIENT and wanted & set(d.invoices)
        )
        if not decided:
            raise InvalidRequest("no dispute waits for a decision on these invoices")
        state = DisputeState.CREDITED if credit else DisputeState.UPHELD
        self.disputes = tuple(
            replace(d, state=state, closed_at=at) if d in decided else d for d in self.disputes
        )
        for dispute in decided:
            for number in dispute.invoices if credit else ():
                invoice = self.invoices[number]
                if invoice.is_open:
                    self.invoices[number] = replace(invoice, open_cents=0)
                    self._note(
                        "invoice_credited",
                        at=at,
                        actor=actor,
                        reason="the client credited the disputed invoice",
                        invoice=number,
                        credited_cents=invoice.open_cents,
                    )
        if credit and charges_after_credit is not None:
            self._lower_charges(*charges_after_credit(self), at=at, actor=actor)
        self._after_dispute_closed(
            decided,
            at=at,
            actor=actor,
            reason=(
                "the client credited the disputed invoices" if credit else "the client upheld the invoices"
            )
            + (f": {note}" if note else ""),
        )
        self._schedule(then(self), at=at, actor=actor)
        return decided

    def _lower_charges(self, costs_cents: int, interest_cents: int, *, at: datetime, actor: str) -> None:
        """Bring charged costs and interest down to what is still due over what is left open; what
        was already paid stays paid (and shows as an overpayment to the client when it exceeds)."""
        costs_off = min(self.open_costs_cents, max(self.costs_charged_under_current_letter - costs_cents, 0))
        interest_off = min(self.open_interest_cents, max(self.charged_interest_cents - interest_cents, 0))
        if not costs_off and not interest_off:
            return
        self.open_costs_cents -= costs_off
        if costs_off:
            self.cost_charges = (
                *self.cost_charges,
                CostCharge(at.astimezone(_AMSTERDAM).date(), -costs_off, self._costs_basis()),
            )
        self.open_interest_cents -= interest_off
        self._note(
            "charges_lowered",
            at=at,
            actor=actor,
            reason="the client credited an invoice: costs and interest follow what is left open",
            costs_cents=costs_off,
            interest_cents=interest_off,
        )

    def reinstate_disputed(self, then: Planner, *, at: datetime, actor: str) -> tuple[Dispute, ...]:
        """The fresh term after a copy of the invoice has run: those invoices are chased again."""
        due = tuple(
            d
            for d in self.disputes
            if d.state is DisputeState.COPY_SENT and d.resume_at is not None and d.resume_at <= at
        )
        if due:
            self.disputes = tuple(
                replace(d, state=DisputeState.REINSTATED, closed_at=at) if d in due else d
                for d in self.disputes
            )
            self._after_dispute_closed(
                due, at=at, actor=actor, reason="the term after the copy of the invoice has run"
            )
        self._schedule(then(self), at=at, actor=actor)
        return due

    def _after_dispute_closed(
        self, closed: Sequence[Dispute], *, at: datetime, actor: str, reason: str
    ) -> None:
        details = {
            "disputes": [d.dispute_id for d in closed],
            "invoices": [n for d in closed for n in d.invoices],
        }
        if self.is_active and self.owed_cents <= 0:
            self.apply(Trigger.SETTLED_BY_CLIENT, at=at, actor=actor, reason=reason, **details)
        elif (self.status is Status.DISPUTED and not self.open_disputes) or (
            self.status is Status.DISPUTED and self.chased_invoices
        ):
            self.apply(Trigger.DISPUTE_RESOLVED, at=at, actor=actor, reason=reason, **details)
        else:
            self.apply(Trigger.DISPUTE_ANSWERED, at=at, actor=actor, reason=reason, **details)
        self._retire_link_if_amount_changed(at=at, actor=actor)

    def _close_answered_disputes(self, *, at: datetime, actor: str) -> None:
        """A disputed invoice the client settled needs no decision any more."""
        settled = tuple(
            d for d in self.open_disputes if all(not self.invoices[n].is_open for n in d.invoices)
        )
        if settled:
            self.disputes = tuple(
                replace(d, state=DisputeState.CONFIRMED_PAID, closed_at=at) if d in settled else d
                for d in self.disputes
            )
            if self.is_active and self.owed_cents > 0:
                self._after_dispute_closed(
                    settled, at=at, actor=actor, reason="the disputed invoices are settled"
                )

    # --- arrangements -------------------------------------------------------------------------

    def agree_arrangement(self, arrangement: Arrangement, then: Planner, *, at: datetime, actor: str) -> None:
        """A plan for what is due; the first installment's link goes out with the next action."""
        self.apply(
            Trigger.ARRANGEMENT_AGREED,
            at=at,
            actor=actor,
            reason=f"{len(arrangement.installments)} installments",
            installments=[
                {"number": i.number, "due_date": i.due_date.isoformat(), "amount_cents": i.amount_cents}
                for i in arrangement.installments
            ],
            total_cents=arrangement.total_cents,
            approved_by_client=arrangement.approved_by_client,
        )
        self.arrangement = arrangement
        self.retire_payment_link(at=at, actor=actor, reason="replaced by installment links")
        self._schedule(then(self), at=at, actor=actor)

    def confirm_arrangement(self, message: SentMessage, then: Planner, *, at: datetime, actor: str) -> None:
        """The claim of the written confirmation of the plan (sent inside the contact window)."""
        assert self.arrangement is not None
        self.arrangement = replace(self.arrangement, confirmation_sent=True)
        self.record_message(message, actor=actor)
        self._schedule(then(self), at=at, actor=actor)

    def send_installment(
        self, number: int, message: SentMessage, then: Planner, *, at: datetime, actor: str, reminder: bool
    ) -> None:
        """The claim of an installment's link (or of the reminder of a missed one)."""
        assert self.arrangement is not None
        self.arrangement = self.arrangement.mark(number, link_sent=True, reminded=True if reminder else None)
        self.record_message(message, actor=actor)
        self._schedule(then(self), at=at, actor=actor)

    def miss_installments(self, numbers: Sequence[int], *, at: datetime, actor: str) -> None:
        assert self.arrangement is not None
        self.arrangement = self.arrangement.mark_missed(set(numbers))
        for item in self.arrangement.installments:
            if item.number in numbers:
                self._note(
                    "installment_missed",
                    at=at,
                    actor=actor,
                    reason=f"installment {item.number} was due {item.due_date.isoformat()}",
                    installment=item.number,
                    open_cents=item.open_cents,
                )

    def fulfil_arrangement(self, then: Planner, *, at: datetime, actor: str) -> None:
        """Every installment is paid but something is still owed that the plan did not cover."""
        assert self.arrangement is not None
        self.apply(
            Trigger.ARRANGEMENT_FULFILLED,
            at=at,
            actor=actor,
            reason="every installment was paid; what the plan did not cover is chased as usual",
            paid_cents=self.arrangement.paid_cents,
            due_cents=self.due_cents,
        )
        self._schedule(then(self), at=at, actor=actor)

    def end_arrangement(self, then: Planner, *, at: datetime, actor: str, reason: str) -> None:
        """Too many installments missed: back to where the plan was agreed (the hand-over decision
        when it was agreed there, dunning otherwise), with what was paid counted."""
        assert self.arrangement is not None
        self.retire_payment_link(at=at, actor=actor, reason="the arrangement ended")
        back_to_decision = self.arrangement.agreed_in == Status.AWAITING_HANDOVER_DECISION.value
        self.apply(
            Trigger.ARRANGEMENT_DEFAULTED_TO_DECISION if back_to_decision else Trigger.ARRANGEMENT_DEFAULTED,
            at=at,
            actor=actor,
            reason=reason,
            paid_cents=self.arrangement.paid_cents,
            due_cents=self.due_cents,
        )
        self._schedule(then(self), at=at, actor=actor)

    # --- calls --------------------------------------------------------------------------------

    def record_call_outcome(
        self,
        task_id: str,
        outcome: CallOutcome,
        then: Planner,
        *,
        at: datetime,
        actor: str,
        promised_on: date | None = None,
        note: str = "",
    ) -> CallTask:
        """What came of a call. A promise to pay is recorded as PAYMENT_PROMISED and the next step
        waits for the day after the promised date (the planner reads the promise). A dispute on
        the phone is filed through `file_dispute` by the caller's use case."""
        task = next((t for t in self.call_tasks if t.task_id == task_id), None)
        if task is None:
            raise UnknownCallTask(task_id)
        if not task.is_open:
            raise CallTaskClosed(task_id)
        done = replace(task, outcome=outcome, outcome_at=at, promised_on=promised_on, note=note, caller=actor)
        self.call_tasks = tuple(done if t.task_id == task_id else t for t in self.call_tasks)
        self._note(
            "call_outcome_recorded",
            at=at,
            actor=actor,
            reason=f"call: {outcome.value}",
            task_id=task_id,
            outcome=outcome.value,
            promised_on=promised_on.isoformat() if promised_on else None,
            note=note,
        )
        if outcome is CallOutcome.PROMISE_TO_PAY and self.may(Trigger.PAYMENT_PROMISED):
            self.apply(
                Trigger.PAYMENT_PROMISED,
                at=at,
                actor=actor,
                reason="the debtor promised on the phone to pay",
                promised_on=promised_on.isoformat() if promised_on else None,
            )
        if self.is_active:
            self._schedule(then(self), at=at, actor=actor)
        return done

    def request_call_back(self, task: CallTask, *, actor: str) -> bool:
        """The debtor asked to be called at a time they chose (already checked against the
        contact window): a task on the call team's worklist from then. It is no dunning step, so
        the step and its timing stay. False when the same request was already recorded."""
        if any(t.task_id == task.task_id for t in self.call_tasks):
            return False
        self.apply(
            Trigger.CALL_BACK_REQUESTED,
            at=task.created_at,
            actor=actor,
            reason="the debtor asked to be called back",
            task_id=task.task_id,
            call_from=task.call_from.isoformat(),
            call_until=task.call_until.isoformat() if task.call_until else None,
        )
        self.call_tasks = (*self.call_tasks, task)
        return True

    @property
    def open_call_backs(self) -> tuple[CallTask, ...]:
        return tuple(t for t in self.call_tasks if t.is_open and t.call_until is not None)

    @property
    def promised_on(self) -> date | None:
        """The latest date the debtor promised to pay by, if any."""
        promises = [t.promised_on for t in self.call_tasks if t.promised_on is not None]
        return max(promises) if promises else None

    # --- payments -----------------------------------------------------------------------------

    def receive_payment(
        self,
        payment_id: str,
        amount_cents: int,
        *,
        at: datetime,
        actor: str,
        link_id: str | None = None,
        named_invoice: str | None = None,
    ) -> bool:
        """Apply a paid Mollie payment: costs, then interest, then principal oldest invoice first
        (BW 6:44, `payments.allocate`). False if this payment was already applied.

        A payment through an old (retired) link is credited like any other: what counts is the
        money, not the link. Money beyond everything owed is kept as an overpayment and flagged
        for the client; it is never dropped.
        """
        if payment_id in self.payments or payment_id in self.received_payment_ids:
            return False
        allocation = payments.allocate(
            payment_id,
            amount_cents,
            invoices=self.invoices,
            disputed=self.disputed_invoice_numbers,
            open_costs_cents=self.open_costs_cents,
            open_interest_cents=self.open_interest_cents,
            link_id=link_id,
            named_invoice=named_invoice or self._invoice_of_link(link_id or payment_id),
        )
        received = allocation.received
        self.invoices.update(allocation.invoices)
        self.open_costs_cents -= allocation.costs_cents
        self.open_interest_cents -= allocation.interest_cents
        self.payments[payment_id] = received
        self.received_payment_ids = (*self.received_payment_ids, payment_id)
        self.paid_cents += amount_cents
        self.overpaid_cents += received.overpaid_cents
        self._note(
            "payment_received",
            at=at,
            actor=actor,
            reason="payment reported paid by Mollie",
            payment_id=payment_id,
            link_id=link_id,
            amount_cents=amount_cents,
            costs_cents=received.costs_cents,
            interest_cents=received.interest_cents,
            allocated=dict(received.invoices),
            overpaid_cents=received.overpaid_cents,
        )
        if received.overpaid_cents:
            if OVERPAID_FLAG not in self.flags:
                self.flags = (*self.flags, OVERPAID_FLAG)
            self._note(
                "overpayment_flagged",
                at=at,
                actor=actor,
                reason="the debtor paid more than was owed: refund or set off, the client decides",
                payment_id=payment_id,
                overpaid_cents=received.overpaid_cents,
                total_overpaid_cents=self.overpaid_cents,
            )
        if self.arrangement is not None and self.status is Status.IN_ARRANGEMENT:
            self.arrangement = self.arrangement.credit(
                amount_cents - received.overpaid_cents, named=self._installment_of_link(link_id or payment_id)
            )
        if self.payment_link and self.payment_link.payment_id in (payment_id, link_id):
            self.retire_payment_link(at=at, actor=actor, reason="paid")
        else:
            self._retire_link_if_amount_changed(at=at, actor=actor)
        self._close_answered_disputes(at=at, actor=actor)
        if self.owed_cents <= 0 and self.is_active:
            if self.status is Status.IN_ARRANGEMENT:
                self.apply(
                    Trigger.ARRANGEMENT_COMPLETED,
                    at=at,
                    actor=actor,
                    reason="every installment has been paid",
                )
            else:
                self.apply(Trigger.FULLY_PAID, at=at, actor=actor, reason="everything open has been paid")
            self._stop(at=at, actor=actor)
        return True

    def _link(self, link_id: str) -> PaymentLink | None:
        """The payment link (current or retired) with this Mollie id."""
        links = (*((self.payment_link,) if self.payment_link else ()), *self.retired_links)
        return next((link for link in links if link.payment_id == link_id), None)

    def _installment_of_link(self, link_id: str) -> int | None:
        """The installment a payment link was made for, if any."""
        link = self._link(link_id)
        return link.installment if link else None

    def _invoice_of_link(self, link_id: str) -> str | None:
        """The invoice the debtor chose to pay through a link, if any."""
        link = self._link(link_id)
        return link.invoice if link else None

    def reverse_payment(
        self,
        payment_id: str,
        reversed_total_cents: int,
        *,
        at: datetime,
        actor: str,
        kind: str,
        reversal_ids: tuple[str, ...] = (),
    ) -> int:
        """Mollie reports `reversed_total_cents` of a paid payment refunded or charged back.

        Idempotent by comparing with the amount recorded before: only the difference is undone,
        in the reverse order of the allocation (`payments.undo`). A closed dossier that owes
        money again is reopened through the transition table and looked at again at once.
        Returns the cents newly undone (0 when nothing changed).
        """
        applied = self.payments.get(payment_id)
        if applied is None:
            return 0
        delta = min(reversed_total_cents, applied.amount_cents) - applied.reversed_cents
        if delta <= 0:
            return 0
        undone = payments.undo(applied, delta, self.invoices, reversal_ids)
        self.invoices.update(undone.invoices)
        self.open_interest_cents += undone.interest_cents
        self.open_costs_cents += undone.costs_cents
        self.overpaid_cents -= undone.overpaid_cents
        self.paid_cents -= delta
        self.payments[payment_id] = undone.received
        if self.arrangement is not None:
            self.arrangement = self.arrangement.credit(-(delta - undone.overpaid_cents))
        self._note(
            f"payment_{kind}",
            at=at,
            actor=actor,
            reason=f"Mollie reports a {kind.replace('_', ' ')} of an applied payment",
            payment_id=payment_id,
            reversal_ids=list(reversal_ids),
            undone_cents=delta,
            reopened_invoices=undone.reopened,
            interest_cents=undone.interest_cents,
            costs_cents=undone.costs_cents,
            overpaid_cents=undone.overpaid_cents,
        )
        if self.payment_link and self.payment_link.installment is None:
            self.retire_payment_link(at=at, actor=actor, reason="the amount due changed")
        if self.is_closed and self.owed_cents > 0:
            self.apply(
                Trigger.REOPENED,
                at=at,
                actor=actor,
                reason=f"the {kind.replace('_', ' ')} of payment {payment_id} undid a payment: "
                "money is owed again",
                payment_id=payment_id,
                undone_cents=delta,
            )
            # Dunning resumes at the step where it stood.
            self._wake(at=at, actor=actor)
        return delta

    def _retire_link_if_amount_changed(self, *, at: datetime, actor: str) -> None:
        link = self.payment_link
        if link is not None and link.installment is None and link.amount_cents != self.due_cents:
            self.retire_payment_link(at=at, actor=actor, reason="the amount due changed")

    def retire_payment_link(self, *, at: datetime, actor: str, reason: str) -> None:
        """The current link no longer matches what is due: the next message carries a new one.
        A debtor who still pays the old link is credited all the same (see receive_payment)."""
        link = self.payment_link
        if link is None:
            return
        self.retired_links = (*self.retired_links, replace(link, retired_at=at))
        self.payment_link = None
        self._note(
            "payment_link_retired",
            at=at,
            actor=actor,
            reason=reason,
            link_id=link.payment_id,
            amount_cents=link.amount_cents,
        )

    def issue_payment_link(self, link: PaymentLink, *, at: datetime, actor: str) -> None:
        """Make `link` the one open link of this dossier, retiring the one it replaces."""
        if self.payment_link == link:
            return
        if self.payment_link is not None:
            self.retire_payment_link(at=at, actor=actor, reason="replaced by a link for the amount due now")
        self.payment_link = link
        self._note(
            "payment_link_issued",
            at=at,
            actor=actor,
            reason="a link for the amount due now",
            link_id=link.payment_id,
            amount_cents=link.amount_cents,
            step=link.step,
            installment=link.installment,
        )

    def charge_costs(self, costs_cents: int, *, at: datetime, actor: str, reason: str) -> bool:
        """Bring the collection costs under the current 14-day letter (for a business: over its
        late invoices) up to `costs_cents`; True when the amount changed. A consumer's new letter
        starts its own count, so its costs are not compared with an earlier letter's.

        Never lowers what was charged (a payment lowers it through receive_payment) and never
        charges on a dossier that no longer collects."""
        extra = self._still_to_charge(costs_cents, self.costs_charged_under_current_letter)
        if extra:
            self.open_costs_cents += extra
            self.cost_charges = (
                *self.cost_charges,
                CostCharge(at.astimezone(_AMSTERDAM).date(), extra, self._costs_basis()),
            )
            self._note(
                "costs_charged",
                at=at,
                actor=actor,
                reason=reason,
                costs_cents=extra,
                open_costs_cents=self.open_costs_cents,
            )
        return extra > 0

    def charge_interest(self, interest_cents: int, *, at: datetime, actor: str, reason: str) -> bool:
        """Bring the statutory interest charged so far up to `interest_cents` accrued in all
        (BW 6:119 / 6:119a); True when it changed. Never lowers what was charged."""
        extra = self._still_to_charge(interest_cents, self.charged_interest_cents)
        if extra:
            self.open_interest_cents += extra
            self._note(
                "interest_charged",
                at=at,
                actor=actor,
                reason=reason,
                interest_cents=extra,
                open_interest_cents=self.open_interest_cents,
            )
        return extra > 0

    def _still_to_charge(self, due_cents: int, charged_cents: int) -> int:
        """What is due beyond what was charged before; nothing once the dossier stopped collecting."""
        return max(due_cents - charged_cents, 0) if self.is_active else 0
