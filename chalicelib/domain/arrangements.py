"""Payment arrangements: a debtor pays what is due in installments, within the client's rules.

Pure: amounts in cents, dates passed in. The dossier keeps one `Arrangement`; the service layer
(services/arrangements.py) issues a payment link per installment and follows up misses.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.money import format_eur


class ArrangementRefused(InvalidRequest):
    """A plan outside the client's rules; the message says which rule."""


class ArrangementNeedsApproval(ArrangementRefused):
    """A plan the client must approve first (large amount or long plan)."""


@dataclass(frozen=True)
class ArrangementRules:
    """A client's limits. Defaults are product choices, not law: clients override them."""

    max_installments: int = 12  # monthly installments, so also the maximum number of months
    min_installment_cents: int = 2_500
    # Plans above these need the client's approval (DOMAIN.md 1.5: larger amounts or long plans
    # may need proof of income or financial figures, which the client judges).
    approval_above_cents: int = 250_000
    approval_above_installments: int = 6
    # An installment counts as missed this many days after its due date; two misses end the plan.
    grace_days: int = 3
    misses_allowed: int = 1


@dataclass(frozen=True)
class Installment:
    number: int  # 1-based
    due_date: date
    amount_cents: int
    paid_cents: int = 0
    link_sent: bool = False
    reminded: bool = False
    missed: bool = False

    @property
    def open_cents(self) -> int:
        return max(self.amount_cents - self.paid_cents, 0)

    @property
    def is_paid(self) -> bool:
        return self.paid_cents >= self.amount_cents


@dataclass(frozen=True)
class Arrangement:
    agreed_on: date
    installments: tuple[Installment, ...]
    approved_by_client: bool = False
    # The dossier's status when the plan was agreed: a broken plan returns there.
    agreed_in: str = ""
    # The debtor got the whole schedule in writing (e-mail and PDF).
    confirmation_sent: bool = False

    @property
    def total_cents(self) -> int:
        return sum(i.amount_cents for i in self.installments)

    @property
    def paid_cents(self) -> int:
        return sum(i.paid_cents for i in self.installments)

    @property
    def missed_count(self) -> int:
        return sum(1 for i in self.installments if i.missed)

    @property
    def next_open(self) -> Installment | None:
        return next((i for i in self.installments if not i.is_paid), None)

    def credit(self, cents: int, *, named: int | None = None) -> Arrangement:
        """Spread a payment over the installments, earliest first; a negative amount (refund,
        chargeback) takes money back from the latest paid installment first. A payment made for
        one installment (the debtor chose it on their page) pays that one first."""
        installments = list(self.installments)
        left = cents
        order: list[int] = list(range(len(installments)) if left >= 0 else reversed(range(len(installments))))
        if left > 0 and named is not None:
            order.sort(key=lambda index: installments[index].number != named)
        for index in order:
            item = installments[index]
            if left > 0:
                share = min(left, item.open_cents)
            elif left < 0:
                share = -min(-left, item.paid_cents)
            else:
                break
            installments[index] = replace(item, paid_cents=item.paid_cents + share)
            left -= share
        # Paying more than the plan is left on the last installment so nothing is lost.
        if left > 0 and installments:
            last = installments[-1]
            installments[-1] = replace(last, paid_cents=last.paid_cents + left)
        return replace(self, installments=tuple(installments))

    def newly_missed(self, today: date, rules: ArrangementRules) -> tuple[Installment, ...]:
        """Installments unpaid past their due date plus the grace days, not yet counted as missed."""
        return tuple(
            i
            for i in self.installments
            if not i.is_paid and not i.missed and today > i.due_date + timedelta(days=rules.grace_days)
        )

    def mark_missed(self, numbers: set[int]) -> Arrangement:
        return replace(
            self,
            installments=tuple(
                replace(i, missed=True) if i.number in numbers else i for i in self.installments
            ),
        )

    def mark(
        self, number: int, *, link_sent: bool | None = None, reminded: bool | None = None
    ) -> Arrangement:
        def changed(item: Installment) -> Installment:
            if item.number != number:
                return item
            return replace(
                item,
                link_sent=item.link_sent if link_sent is None else link_sent,
                reminded=item.reminded if reminded is None else reminded,
            )

        return replace(self, installments=tuple(changed(i) for i in self.installments))

    def is_defaulted(self, rules: ArrangementRules) -> bool:
        return self.missed_count > rules.misses_allowed


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError("unreachable")  # pragma: no cover


def plan_installments(
    amount_cents: int,
    count: int,
    first_due: date,
    rules: ArrangementRules,
    *,
    approved_by_client: bool = False,
) -> tuple[Installment, ...]:
    """Split `amount_cents` into `count` monthly installments; the first carries the odd cents so
    the plan sums exactly to the amount."""
    if amount_cents <= 0:
        raise ArrangementRefused("nothing is due, so there is nothing to arrange")
    if count < 2:
        raise ArrangementRefused("an arrangement has at least 2 installments")
    if count > rules.max_installments:
        raise ArrangementRefused(f"at most {rules.max_installments} monthly installments are allowed")
    base, odd = divmod(amount_cents, count)
    if base < rules.min_installment_cents:
        raise ArrangementRefused(
            f"each installment must be at least {rules.min_installment_cents} cents; "
            f"{count} installments of {amount_cents} cents are too small"
        )
    check_approval(amount_cents, count, rules, approved_by_client=approved_by_client)
    return tuple(
        Installment(
            number=n + 1, due_date=_add_months(first_due, n), amount_cents=base + (odd if n == 0 else 0)
        )
        for n in range(count)
    )


def check_approval(
    amount_cents: int, count: int, rules: ArrangementRules, *, approved_by_client: bool
) -> None:
    if approved_by_client:
        return
    if amount_cents > rules.approval_above_cents or count > rules.approval_above_installments:
        raise ArrangementNeedsApproval(
            f"a plan for more than {format_eur(rules.approval_above_cents)} or more than "
            f"{rules.approval_above_installments} installments needs the client's approval"
        )


def explicit_plan(
    amount_cents: int,
    plan: list[tuple[date, int]],
    today: date,
    rules: ArrangementRules,
    *,
    approved_by_client: bool = False,
) -> tuple[Installment, ...]:
    """A plan given installment by installment; it must cover exactly what is due."""
    if len(plan) < 2:
        raise ArrangementRefused("an arrangement has at least 2 installments")
    if len(plan) > rules.max_installments:
        raise ArrangementRefused(f"at most {rules.max_installments} installments are allowed")
    dates = [d for d, _ in plan]
    if dates != sorted(dates) or len(set(dates)) != len(dates):
        raise ArrangementRefused("installment due dates must be distinct and in order")
    if dates[0] < today:
        raise ArrangementRefused("the first installment cannot be due in the past")
    if dates[-1] > _add_months(today, rules.max_installments):
        raise ArrangementRefused(f"the plan may run at most {rules.max_installments} months")
    if any(cents < rules.min_installment_cents for _, cents in plan):
        raise ArrangementRefused(f"each installment must be at least {rules.min_installment_cents} cents")
    if sum(cents for _, cents in plan) != amount_cents:
        raise ArrangementRefused(f"the installments must add up to the {amount_cents} cents due")
    check_approval(amount_cents, len(plan), rules, approved_by_client=approved_by_client)
    return tuple(Installment(n + 1, d, cents) for n, (d, cents) in enumerate(plan))
