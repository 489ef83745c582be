"""Dunning policies as data: which step comes next, on which day, through which channels.

A policy (`chalicelib/data/policy_<name>.json`) is an ordered list of steps. Each step has a day
offset counted from the dossier's start or from the previous step, an action (messages to the
debtor, a call task for the call team, or the client's hand-over decision), the messages it sends
(channel + template, each with its own conditions), and the conditions under which the step applies
at all. Conditions are a closed vocabulary (`Condition`) so a typo in a data file fails at load
time instead of silently skipping a legally required letter.

Two kinds of condition:
- `only_if`: the step (or one of its messages) is skipped when it does not hold: debtor type,
  client settings, contact details on file.
- `not_before`: the step waits until it holds, e.g. "the 14-day letter's term has ended" (BW 6:96
  lid 6: costs, and so a hand-over that charges them, only after that term).

Phone contact moments (DOMAIN.md §1.3, "every 3 days" in the reference service) are written in the
data as one `call_moments` rule and expanded into ordinary call steps when the policy loads, so the
step numbers stored on dossiers stay the same whether or not a client has calls switched on.

A step inserted into a policy (the business's final demand before the hand-over decision) renumbers
the steps after it. A dossier keeps its last step's name beside its number, and `Policy.position`
reads where it stands by that name; dossiers saved before steps were named follow the policy's
`earlier_numbering` (its step names in their old order). So a live dossier neither repeats a step
whose number moved up nor skips the one inserted after it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain import legal
from chalicelib.domain.clients import Client, FirstStep
from chalicelib.domain.contact_window import next_contact_moment
from chalicelib.domain.debtor_list import DebtorType
from chalicelib.domain.dossier import Dossier, FourteenDayLetter

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class PolicyError(ValueError):
    """A policy file that cannot be followed; the message says which step and why."""


class Action(StrEnum):
    MESSAGE = "message"
    CALL = "call"
    HANDOVER_DECISION = "handover_decision"


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    # A pre-approved WhatsApp template, only with the debtor's consent; falls back to SMS.
    WHATSAPP = "whatsapp"
    LETTER = "letter"
    CALL = "call"
    # The hand-over decision request goes to the client, never to the debtor.
    CLIENT_EMAIL = "email-client"


class Anchor(StrEnum):
    START = "start"
    PREVIOUS = "previous"


class Condition(StrEnum):
    CONSUMER = "consumer"
    BUSINESS = "business"
    CLIENT_STARTS_WITH_REMINDER = "client_starts_with_reminder"
    CLIENT_STARTS_WITH_PRECOLLECTION_NOTICE = "client_starts_with_precollection_notice"
    CLIENT_WANTS_PHONE_CONTACT = "client_wants_phone_contact"
    HAS_EMAIL = "has_email"
    # An address that has not bounced permanently or drawn a complaint (SES feedback).
    HAS_USABLE_EMAIL = "has_usable_email"
    NO_USABLE_EMAIL = "no_usable_email"
    NO_MOBILE_PHONE = "no_mobile_phone"
    HAS_PHONE = "has_phone"
    HAS_MOBILE_PHONE = "has_mobile_phone"
    HAS_POSTAL_ADDRESS = "has_postal_address"
    HAS_WHATSAPP_CONSENT = "has_whatsapp_consent"
    NO_WHATSAPP_CONSENT = "no_whatsapp_consent"
    NO_FOURTEEN_DAY_LETTER_YET = "no_fourteen_day_letter_yet"
    FOURTEEN_DAY_LETTER_SENT = "fourteen_day_letter_sent"
    # Only meaningful as `not_before`: waits for the day costs become due (BW 6:96 lid 6).
    FOURTEEN_DAY_TERM_ENDED = "fourteen_day_term_ended"
    # As above for a consumer who got a 14-day letter; holds at once for businesses and for
    # consumers without a letter (their hand-over request says that no costs can be charged).
    FOURTEEN_DAY_TERM_ENDED_FOR_CONSUMERS = "fourteen_day_term_ended_for_consumers"
    # Only meaningful as `not_before`: a business debtor's final demand (DOMAIN.md §10) has had
    # its final term; holds at once where no final demand was sent.
    FINAL_DEMAND_TERM_ENDED = "final_demand_term_ended"


# A 14-day letter the print partner has not reported posted has only a provisional term (from
# the step's day). A step waiting for that term waits this many days longer for the report; the
# missing report has raised an alarm long before (services/posting.py), and costs stay off the
# file until the report comes (dunning.costs_due).
POSTING_REPORT_GRACE_DAYS = 7


def term_end(letter: FourteenDayLetter) -> date:
    """The first day after the 14-day term, as far as it is known."""
    if letter.posting_reported:
        return letter.costs_due_from
    return letter.costs_due_from + timedelta(days=POSTING_REPORT_GRACE_DAYS)


def holds(condition: Condition, dossier: Dossier, client: Client, today: date) -> bool:
    """Whether `condition` is true for this dossier of this client on `today` (a local date)."""
    debtor = dossier.debtor
    letter = dossier.fourteen_day_letter
    match condition:
        case Condition.CONSUMER:
            return debtor.debtor_type is DebtorType.CONSUMER
        case Condition.BUSINESS:
            return debtor.debtor_type is DebtorType.BUSINESS
        case Condition.CLIENT_STARTS_WITH_REMINDER:
            return client.first_step == FirstStep.REMINDER
        case Condition.CLIENT_STARTS_WITH_PRECOLLECTION_NOTICE:
            return client.first_step == FirstStep.PRECOLLECTION_NOTICE
        case Condition.CLIENT_WANTS_PHONE_CONTACT:
            return client.phone_contact
        case Condition.HAS_EMAIL:
            return bool(debtor.email)
        case Condition.HAS_USABLE_EMAIL:
            return dossier.usable_email is not None
        case Condition.NO_USABLE_EMAIL:
            return dossier.usable_email is None
        case Condition.NO_MOBILE_PHONE:
            return not debtor.mobile_e164
        case Condition.HAS_PHONE:
            return bool(debtor.phone_e164)
        case Condition.HAS_MOBILE_PHONE:
            return bool(debtor.mobile_e164)
        case Condition.HAS_WHATSAPP_CONSENT:
            return debtor.whatsapp_consent
        case Condition.NO_WHATSAPP_CONSENT:
            return not debtor.whatsapp_consent
        case Condition.HAS_POSTAL_ADDRESS:
            return bool(debtor.street and debtor.postcode and debtor.city)
        case Condition.NO_FOURTEEN_DAY_LETTER_YET:
            return letter is None
        case Condition.FOURTEEN_DAY_LETTER_SENT:
            return letter is not None
        case Condition.FOURTEEN_DAY_TERM_ENDED:
            return letter is not None and today >= term_end(letter)
        case Condition.FOURTEEN_DAY_TERM_ENDED_FOR_CONSUMERS:
            if debtor.debtor_type is not DebtorType.CONSUMER or letter is None:
                return True
            return today >= term_end(letter)
        case Condition.FINAL_DEMAND_TERM_ENDED:
            # Needs the policy's term; Policy.when_due waits for it. As a filter it never blocks.
            return True
    raise AssertionError(condition)  # pragma: no cover


@dataclass(frozen=True)
class StepMessage:
    channel: Channel
    template: str
    only_if: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class PolicyStep:
    step: int
    day: int
    action: Action
    messages: tuple[StepMessage, ...]
    anchor: Anchor = Anchor.START
    only_if: tuple[Condition, ...] = ()
    not_before: tuple[Condition, ...] = ()
    name: str = ""
    # A final term this step's letter gives, in days from its presumed receipt (a final demand).
    term_days: int = 0

    @property
    def template(self) -> str:
        return self.messages[0].template

    @property
    def channel(self) -> Channel:
        return self.messages[0].channel

    def applies(self, dossier: Dossier, client: Client, today: date) -> bool:
        return all(holds(c, dossier, client, today) for c in self.only_if)

    def messages_for(self, dossier: Dossier, client: Client, today: date) -> tuple[StepMessage, ...]:
        return tuple(m for m in self.messages if all(holds(c, dossier, client, today) for c in m.only_if))


FINAL_DEMAND = "final_demand"


def at_most_one_letter(messages: Iterable[StepMessage]) -> tuple[StepMessage, ...]:
    """A step posts one envelope: the first letter listed (the 14-day letter or the final demand
    before the ordinary reminder letter that stands in for e-mail and SMS)."""
    kept: list[StepMessage] = []
    for message in messages:
        if message.channel is Channel.LETTER and any(k.channel is Channel.LETTER for k in kept):
            continue
        kept.append(message)
    return tuple(kept)


FOLLOW_UP = "follow_up"


@dataclass(frozen=True)
class FollowUp:
    """What happens once the policy's steps have run and the dossier is still open (after a
    declined hand-over, or when no hand-over step applies): a reminder at a lower rhythm, until the
    file is paid, withdrawn or paused (DOMAIN.md §11). Never silence."""

    messages: tuple[StepMessage, ...]
    every_days: int
    # The first follow-up comes this many days after the last step or the client's decision.
    first_after_days: int


@dataclass(frozen=True)
class Policy:
    name: str
    steps: tuple[PolicyStep, ...]
    follow_up: FollowUp
    # The moment of day a step becomes due; the contact window may push it further.
    send_at: time = time(8, 30)
    description: str = ""
    # The step names in the order that numbered the steps of dossiers saved without a step name.
    earlier_numbering: tuple[str, ...] = ()

    def step_after(self, done_step: int) -> PolicyStep | None:
        return next((s for s in self.steps if s.step > done_step), None)

    @property
    def last_step_number(self) -> int:
        return self.steps[-1].step if self.steps else 0

    def position(self, dossier: Dossier) -> int:
        """The number, in this policy's numbering, of the last step the dossier took: looked up by
        the step's name, because an inserted step renumbers the ones after it. A follow-up stays
        past the last step. A name the policy does not know (another policy, a removed step)
        leaves the stored number."""
        if dossier.step == 0:
            return 0
        name = dossier.step_name
        beyond = 0
        if not name and self.earlier_numbering:
            # Saved before dossiers recorded step names: read the number in the old order.
            if dossier.step <= len(self.earlier_numbering):
                name = self.earlier_numbering[dossier.step - 1]
            else:
                beyond = dossier.step - len(self.earlier_numbering)
        if name == FOLLOW_UP:
            beyond = max(1, dossier.step - self.last_step_number)
        if beyond:
            return self.last_step_number + beyond
        return next((s.step for s in self.steps if name and s.name == name), dossier.step)

    def follow_up_step(self, dossier: Dossier) -> PolicyStep:
        """The next follow-up reminder as a step of its own: numbered after everything the
        dossier did, so each one is claimed once like any other step."""
        position = self.position(dossier)
        first = position <= self.last_step_number
        return PolicyStep(
            step=max(dossier.step, position, self.last_step_number) + 1,
            day=self.follow_up.first_after_days if first else self.follow_up.every_days,
            action=Action.MESSAGE,
            messages=self.follow_up.messages,
            anchor=Anchor.PREVIOUS,
            name=FOLLOW_UP,
        )

    def step_numbered(self, number: int) -> PolicyStep:
        """A step a dossier took, by its number: one of the policy's, or a follow-up reminder."""
        configured = next((s for s in self.steps if s.step == number), None)
        if configured is not None:
            return configured
        return PolicyStep(
            step=number,
            day=self.follow_up.every_days,
            action=Action.MESSAGE,
            messages=self.follow_up.messages,
            anchor=Anchor.PREVIOUS,
            name=FOLLOW_UP,
        )

    def due_at(self, opened_on: date, step: PolicyStep) -> datetime:
        """The moment a step counted from the dossier's start becomes due: 08:30 Amsterdam on its
        day, moved into the contact window (no Sundays or holidays; DOMAIN.md §8)."""
        return next_contact_moment(self._at(opened_on + timedelta(days=step.day)))

    def _at(self, day: date) -> datetime:
        return datetime.combine(day, self.send_at, tzinfo=AMSTERDAM).astimezone(UTC)

    def next_step(self, dossier: Dossier, client: Client, today: date) -> PolicyStep:
        """The first step after the dossier's last one that applies to it; steps whose `only_if`
        fails (another debtor type, a client setting, no phone number) are passed over, and a
        hand-over the client already declined is not asked again. After the last step: the
        follow-up reminder. Where the dossier stands is read by its last step's name
        (`position`), and a step is never numbered at or below one the dossier already took."""
        done = max(self.position(dossier), dossier.step)
        for step in self.steps:
            if step.step > done and step.applies(dossier, client, today):
                if step.action is Action.HANDOVER_DECISION and dossier.handover_declined_at is not None:
                    continue  # the client already answered; it is not asked twice
                return step
        return self.follow_up_step(dossier)

    def final_demand_last_day(self, dossier: Dossier, client: Client) -> date | None:
        """The last day of the final term of the final demand this dossier got, if it got one."""
        sent = [m for m in dossier.messages if m.template == FINAL_DEMAND]
        if not sent:
            return None
        first = min(sent, key=lambda m: m.sent_at)
        step = next((s for s in self.steps if s.step == first.step), None)
        if step is None or step.term_days < 1:
            return None
        return legal.final_demand_last_day(
            first.sent_at.astimezone(AMSTERDAM).date(),
            step.term_days,
            receipt_offset_days=client.letter_receipt_offset_days,
        )

    def when_due(self, step: PolicyStep, dossier: Dossier, client: Client) -> datetime | None:
        """When `step` becomes due for this dossier; None when a `not_before` can never hold
        (a hand-over that waits for a 14-day term, but no 14-day letter was sent)."""
        previous = [at for at in (dossier.last_step_at, dossier.handover_declined_at) if at is not None]
        if step.anchor is Anchor.PREVIOUS and previous:
            base = max(previous).astimezone(AMSTERDAM).date()
        else:
            base = dossier.opened_on
        due = self._at(base + timedelta(days=step.day))
        letter = dossier.fourteen_day_letter
        for condition in step.not_before:
            if condition is Condition.FOURTEEN_DAY_TERM_ENDED:
                if letter is None:
                    return None
                due = max(due, self._at(term_end(letter)))
            elif condition is Condition.FINAL_DEMAND_TERM_ENDED:
                last_day = self.final_demand_last_day(dossier, client)
                if last_day is not None:
                    due = max(due, self._at(last_day + timedelta(days=1)))
            elif (
                condition is Condition.FOURTEEN_DAY_TERM_ENDED_FOR_CONSUMERS
                and letter is not None
                and dossier.debtor.debtor_type is DebtorType.CONSUMER
            ):
                due = max(due, self._at(term_end(letter)))
        return due


def _conditions(values: Any, where: str) -> tuple[Condition, ...]:
    try:
        return tuple(Condition(v) for v in values or ())
    except ValueError as error:
        raise PolicyError(f"{where}: {error}") from error


def _step(data: dict[str, Any], number: int) -> PolicyStep:
    where = f"step {number} ({data.get('name', '')})"
    try:
        action = Action(data["action"])
        messages = tuple(
            StepMessage(
                channel=Channel(m["channel"]),
                template=str(m["template"]),
                only_if=_conditions(m.get("only_if"), where),
            )
            for m in data["messages"]
        )
        anchor = Anchor(data.get("from", "start"))
        day = int(data["day"])
        term_days = int(data.get("term_days", 0))
    except (KeyError, ValueError, TypeError) as error:
        raise PolicyError(f"{where}: {error}") from error
    if not messages:
        raise PolicyError(f"{where}: a step needs at least one message")
    if day < 0:
        raise PolicyError(f"{where}: a day offset cannot be negative")
    if any(m.template == FINAL_DEMAND for m in messages) and term_days < 1:
        raise PolicyError(f"{where}: a final demand needs its final term (term_days)")
    return PolicyStep(
        step=number,
        day=day,
        action=action,
        messages=messages,
        anchor=anchor,
        only_if=_conditions(data.get("only_if"), where),
        not_before=_conditions(data.get("not_before"), where),
        name=str(data.get("name", "")),
        term_days=term_days,
    )


def _call_steps(rule: dict[str, Any]) -> list[dict[str, Any]]:
    every, first, last = int(rule["every_days"]), int(rule["from_day"]), int(rule["until_day"])
    if every <= 0:
        raise PolicyError("call_moments: every_days must be positive")
    return [
        {
            "name": f"call_day_{day}",
            "day": day,
            "from": "start",
            "action": "call",
            "only_if": rule.get("only_if", []),
            "messages": [{"channel": "call", "template": rule.get("template", "call")}],
        }
        for day in range(first, last + 1, every)
    ]


def policy_from_dict(data: dict[str, Any]) -> Policy:
    raw_steps: list[dict[str, Any]] = list(data["steps"])
    if "call_moments" in data:
        # A call on the same day as a message comes after it (stable sort keeps data order first).
        raw_steps += _call_steps(data["call_moments"])
    if any(s.get("from", "start") != "start" for s in raw_steps) and "call_moments" in data:
        raise PolicyError("call moments count from the start: combine them only with steps that do too")
    if all(s.get("from", "start") == "start" for s in raw_steps):
        raw_steps.sort(key=lambda s: int(s["day"]))
    steps = tuple(_step(s, number) for number, s in enumerate(raw_steps, start=1))
    start_days = [s.day for s in steps if s.anchor is Anchor.START]
    if start_days != sorted(start_days):
        raise PolicyError("policy steps must not go back in time")
    return Policy(
        name=str(data["name"]),
        steps=steps,
        follow_up=_follow_up(data.get("follow_up")),
        description=str(data.get("description", "")),
        earlier_numbering=_earlier_numbering(data.get("earlier_numbering"), steps),
    )


def _earlier_numbering(data: Any, steps: tuple[PolicyStep, ...]) -> tuple[str, ...]:
    """The old order of the step names, checked: names are unique, each old name is still a step,
    and no step moved to a lower number (a dossier would then take a number it already used)."""
    names = [s.name for s in steps if s.name]
    if len(names) != len(set(names)):
        raise PolicyError("step names must be unique: dossiers find their place by them")
    if data is None:
        return ()
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        raise PolicyError("earlier_numbering: needs its list of step names under 'steps'")
    earlier = tuple(str(name) for name in data["steps"])
    number = {s.name: s.step for s in steps if s.name}
    for old, name in enumerate(earlier, start=1):
        if name not in number:
            raise PolicyError(f"earlier_numbering: {name!r} is no step of this policy")
        if number[name] < old:
            raise PolicyError(f"earlier_numbering: {name!r} moved down from step {old} to {number[name]}")
    if len(set(earlier)) != len(earlier):
        raise PolicyError("earlier_numbering: a step name appears twice")
    return earlier


def _follow_up(data: Any) -> FollowUp:
    """Required: a policy that ends in silence would leave open files unattended."""
    if not isinstance(data, dict):
        raise PolicyError("follow_up: a policy needs a follow-up rhythm for files still open at its end")
    follow_up = _step({**data, "name": FOLLOW_UP, "day": data.get("every_days"), "action": "message"}, 0)
    first = int(data.get("first_after_days", follow_up.day))
    if follow_up.day < 1 or first < 1:
        raise PolicyError("follow_up: every_days and first_after_days must be at least 1")
    return FollowUp(messages=follow_up.messages, every_days=follow_up.day, first_after_days=first)


@cache
def load_policy(name: str) -> Policy:
    if not name.replace("_", "").isalnum():
        raise PolicyError(f"not a policy name: {name!r}")
    path = resources.files("chalicelib.data").joinpath(f"policy_{name}.json")
    if not path.is_file():
        raise PolicyError(f"no policy called {name!r}")
    return policy_from_dict(json.loads(path.read_text("utf-8")))


def default_policy() -> Policy:
    return load_policy("default")
