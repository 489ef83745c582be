"""`debtflow costs`, `debtflow interest` and `debtflow fourteen-day`: the legal arithmetic on the
command line, for support staff and for checking a letter by hand.

Text output by default (Dutch labels with an English gloss); `--json` prints amounts in cents and
ISO dates for scripts. Bad input gives a message on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.domain.legal import (
    FOURTEEN_DAY_TERM_WORDING,
    FOURTEEN_DAY_TERM_WORDING_NL,
    InterestKind,
    LegalRuleError,
    StatutoryInterest,
    collection_costs_cents,
    fourteen_day_term,
    statutory_interest,
    vat_on_costs_cents,
)
from chalicelib.domain.money import InvalidAmount, format_eur, parse_amount_cents

EXIT_OK = 0
EXIT_BAD_INPUT = 2
_DUTCH_WEEKDAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")
_DUTCH_DATE = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$")


def _amount(text: str) -> int:
    try:
        amount_cents = parse_amount_cents(text)
    except InvalidAmount as error:
        raise argparse.ArgumentTypeError(str(error)) from error
    if amount_cents <= 0:
        raise argparse.ArgumentTypeError(f"the amount must be positive, got {text!r}")
    return amount_cents


def _date(text: str) -> date:
    """ISO `2026-03-03` or Dutch `03-03-2026`."""
    try:
        match = _DUTCH_DATE.match(text.strip())
        if match:
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day)
        return date.fromisoformat(text.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD or DD-MM-YYYY)") from error


def _day(day: date) -> str:
    return f"{_DUTCH_WEEKDAYS[day.weekday()]} {day.isoformat()}"


def _percent(value: Decimal) -> str:
    return f"{value:f}".replace(".", ",") + "%"


def _print_json(payload: dict[str, Any]) -> None:
    print(json.dumps(payload, ensure_ascii=False, indent=2))


def _fail(message: str) -> int:
    print(f"debtflow: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def costs_command(args: argparse.Namespace) -> int:
    try:
        costs_cents = collection_costs_cents(args.amount)
    except LegalRuleError as error:
        return _fail(str(error))
    vat_cents = vat_on_costs_cents(costs_cents) if args.vat else 0
    total_cents = costs_cents + vat_cents
    if args.json:
        _print_json(
            {
                "principal_cents": args.amount,
                "costs_cents": costs_cents,
                "vat": args.vat,
                "vat_cents": vat_cents,
                "total_cents": total_cents,
            }
        )
        return EXIT_OK
    print(f"Hoofdsom / principal:               {format_eur(args.amount)}")
    print(f"Incassokosten / collection costs:   {format_eur(costs_cents)}")
    if args.vat:
        print(f"Btw / VAT:                          {format_eur(vat_cents)}")
        print(f"Totaal / total:                     {format_eur(total_cents)}")
    return EXIT_OK


def _interest_json(result: StatutoryInterest) -> dict[str, Any]:
    return {
        "principal_cents": result.principal_cents,
        "first_day": result.first_day.isoformat(),
        "last_day": result.last_day.isoformat(),
        "kind": result.kind.value,
        "interest_cents": result.total_cents,
        "provisional": result.provisional,
        "periods": [
            {
                "first_day": period.first_day.isoformat(),
                "last_day": period.last_day.isoformat(),
                "days": period.days,
                "base_cents": period.base_cents,
                "rate_percent": str(period.rate_percent),
                "interest_cents": period.interest_cents,
                "provisional": period.provisional,
            }
            for period in result.periods
        ],
    }


def interest_command(args: argparse.Namespace) -> int:
    if args.last_day < args.first_day:
        return _fail(f"--to {args.last_day.isoformat()} is before --from {args.first_day.isoformat()}")
    kind = InterestKind.CONSUMER if args.consumer else InterestKind.COMMERCIAL
    try:
        result = statutory_interest(args.principal, args.first_day, args.last_day, kind)
    except LegalRuleError as error:
        return _fail(str(error))
    if args.json:
        _print_json(_interest_json(result))
        return EXIT_OK
    title = (
        "Wettelijke rente (BW 6:119) / statutory consumer interest"
        if kind is InterestKind.CONSUMER
        else "Wettelijke handelsrente (BW 6:119a) / statutory commercial interest"
    )
    print(title)
    print(f"over {format_eur(result.principal_cents)}, {_day(args.first_day)} t/m {_day(args.last_day)}")
    for period in result.periods:
        marker = "  (voorlopig tarief / provisional rate)" if period.provisional else ""
        print(
            f"  {period.first_day.isoformat()} t/m {period.last_day.isoformat()}"
            f"  {period.days:>3} dagen  {_percent(period.rate_percent):>7}"
            f"  over {format_eur(period.base_cents):>14}  {format_eur(period.interest_cents):>12}{marker}"
        )
    print(f"Totaal / total: {format_eur(result.total_cents)}")
    if result.provisional:
        print("Let op: voorlopig tarief, nog niet gepubliceerd / note: provisional rate, not yet published")
    return EXIT_OK


def fourteen_day_command(args: argparse.Namespace) -> int:
    try:
        term = fourteen_day_term(args.sent)
    except LegalRuleError as error:  # pragma: no cover - no input currently reaches it
        return _fail(str(error))
    if args.json:
        _print_json(
            {
                "sent": term.sent.isoformat(),
                "presumed_receipt": term.presumed_receipt.isoformat(),
                "last_day": term.last_day.isoformat(),
                "costs_due_from": term.costs_due_from.isoformat(),
                "wording": dict(FOURTEEN_DAY_TERM_WORDING),
            }
        )
        return EXIT_OK
    print(f"Verzonden / sent:                             {_day(term.sent)}")
    print(f"Vermoedelijk bezorgd / presumed receipt:      {_day(term.presumed_receipt)}")
    print(f"Laatste dag termijn / last day of the term:   {_day(term.last_day)}")
    print(f"Incassokosten vanaf / costs due from:         {_day(term.costs_due_from)}")
    print(f'Termijn in de brief / wording: "{FOURTEEN_DAY_TERM_WORDING_NL}"')
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `costs`, `interest` and `fourteen-day` to the `debtflow` command."""
    costs = subparsers.add_parser(
        "costs",
        help="extrajudicial collection costs (BIK scale) over a principal",
        description="Buitengerechtelijke incassokosten volgens het Besluit BIK (Stb. 2012, 141).",
    )
    costs.add_argument("amount", type=_amount, metavar="AMOUNT", help="principal, e.g. 1.234,56 or 1234.56")
    costs.add_argument("--vat", action="store_true", help="add 21%% VAT (creditor cannot deduct VAT)")
    costs.add_argument("--json", action="store_true", help="machine-readable output (cents, ISO dates)")
    costs.set_defaults(handler=costs_command)

    interest = subparsers.add_parser(
        "interest",
        help="statutory interest (BW 6:119 / 6:119a), compounded yearly",
        description="Wettelijke (handels)rente over een hoofdsom; beide dagen inclusief.",
    )
    interest.add_argument("--principal", type=_amount, required=True, metavar="AMOUNT")
    interest.add_argument(
        "--from",
        dest="first_day",
        type=_date,
        required=True,
        metavar="FIRST_DAY",
        help="first day of default",
    )
    interest.add_argument(
        "--to", dest="last_day", type=_date, required=True, metavar="LAST_DAY", help="last day (inclusive)"
    )
    kind = interest.add_mutually_exclusive_group(required=True)
    kind.add_argument("--consumer", action="store_true", help="wettelijke rente (BW 6:119)")
    kind.add_argument("--commercial", action="store_true", help="wettelijke handelsrente (BW 6:119a)")
    interest.add_argument("--json", action="store_true", help="machine-readable output (cents, ISO dates)")
    interest.set_defaults(handler=interest_command)

    fourteen_day = subparsers.add_parser(
        "fourteen-day",
        help="term of a consumer's 14-day letter (BW 6:96 lid 6)",
        description="Vermoedelijke bezorging, laatste dag en ingangsdatum van de incassokosten.",
    )
    fourteen_day.add_argument("--sent", type=_date, required=True, metavar="DATE", help="posting date")
    fourteen_day.add_argument("--json", action="store_true", help="machine-readable output (ISO dates)")
    fourteen_day.set_defaults(handler=fourteen_day_command)
