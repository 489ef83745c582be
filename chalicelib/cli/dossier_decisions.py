"""`debtflow dispute|resolve-dispute|pause|resume|withdraw CLIENT DEBTOR ...`: the client's and the
call team's decisions on a dossier, through the same use cases as the operator routes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from typing import Any

from chalicelib.cli.aws_target import add_stage_option
from chalicelib.domain.dossier import DisputeReason, Dossier
from chalicelib.domain.errors import DebtflowError
from chalicelib.domain.policies import AMSTERDAM

ACTOR = "cli"


def _invoices(text: str) -> tuple[str, ...]:
    numbers = tuple(n.strip() for n in text.split(",") if n.strip())
    if not numbers:
        raise argparse.ArgumentTypeError("name at least one invoice number, e.g. 2026-0101,2026-0102")
    return numbers


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a date as YYYY-MM-DD: {text!r}") from error


def register(subparsers: Any) -> None:
    def command(
        name: str, help_text: str, handler: Callable[[argparse.Namespace], int]
    ) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = subparsers.add_parser(name, help=help_text, description=help_text)
        parser.add_argument("client", metavar="CLIENT", help="client id, e.g. vv-de-zwaluwen")
        parser.add_argument("debtor", metavar="DEBTOR", help="the debtor's number in the client's list")
        add_stage_option(parser)
        parser.set_defaults(handler=handler)
        return parser

    dispute = command(
        "dispute", "record a debtor's dispute about some invoices (the others are still chased)", _dispute
    )
    dispute.add_argument("--invoices", type=_invoices, required=True, help="comma-separated invoice numbers")
    dispute.add_argument(
        "--reason", choices=[r.value for r in DisputeReason], required=True, help="what the debtor says"
    )
    dispute.add_argument("--note", default="", help="the debtor's own words")

    resolve = command("resolve-dispute", "the client's decision on disputed invoices", _resolve)
    resolve.add_argument("--invoices", type=_invoices, required=True, help="comma-separated invoice numbers")
    choice = resolve.add_mutually_exclusive_group(required=True)
    choice.add_argument("--uphold", action="store_true", help="the invoices stand: chase them again")
    choice.add_argument("--credit", action="store_true", help="credit the invoices: they close")

    pause = command("pause", "pause the messages to a debtor until a date", _pause)
    pause.add_argument("--until", type=_date, required=True, help="the day the reminders resume (YYYY-MM-DD)")

    command("resume", "resume a paused dossier now", _resume)
    withdraw = command("withdraw", "withdraw a dossier: nothing more is sent", _withdraw)
    withdraw.add_argument("--reason", default="", help="why, for the audit trail")


def _run(name: str, action: Callable[[], Any]) -> int:
    try:
        result = action()
    except DebtflowError as error:
        print(f"debtflow {name}: {error}", file=sys.stderr)
        return 1
    print(result)
    return 0


def _where(dossier: Dossier) -> str:
    line = f"dossier {dossier.client_id}/{dossier.debtor_id}: {dossier.status.value}"
    if dossier.next_action_at is not None:
        # A treasurer reads Amsterdam time, not UTC.
        line += f", next action {dossier.next_action_at.astimezone(AMSTERDAM).strftime('%d-%m-%Y %H:%M')}"
    if dossier.waiting_for is not None:
        line += f", waiting for the {dossier.waiting_for.who.value} ({dossier.waiting_for.about})"
    return line


def _dispute(args: argparse.Namespace) -> int:
    from chalicelib import bootstrap
    from chalicelib.services.disputes import DisputeRequest, file_dispute

    def act() -> str:
        request = DisputeRequest(args.invoices, DisputeReason(args.reason), args.note)
        filed = file_dispute(
            args.client, args.debtor, request, bootstrap.now(), bootstrap.action_deps(), actor=ACTOR
        )
        return f"{filed.dispute_id} about {', '.join(filed.invoices)}: {filed.state.value}"

    return _run("dispute", act)


def _resolve(args: argparse.Namespace) -> int:
    from chalicelib import bootstrap
    from chalicelib.services.disputes import DisputeDecision, decide_dispute

    def act() -> str:
        decision = DisputeDecision(args.invoices, credit=args.credit)
        decided = decide_dispute(
            args.client, args.debtor, decision, bootstrap.now(), bootstrap.action_deps(), actor=ACTOR
        )
        verdict = "credited" if args.credit else "upheld"
        return f"{verdict}: {', '.join(n for d in decided for n in d.invoices)}"

    return _run("resolve-dispute", act)


def _pause(args: argparse.Namespace) -> int:
    from chalicelib import bootstrap
    from chalicelib.services.client_decisions import pause_dunning

    return _run(
        "pause",
        lambda: _where(
            pause_dunning(
                args.client, args.debtor, args.until, bootstrap.now(), bootstrap.action_deps(), actor=ACTOR
            )
        ),
    )


def _resume(args: argparse.Namespace) -> int:
    from chalicelib import bootstrap
    from chalicelib.services.client_decisions import resume_dunning

    return _run(
        "resume",
        lambda: _where(
            resume_dunning(args.client, args.debtor, bootstrap.now(), bootstrap.action_deps(), actor=ACTOR)
        ),
    )


def _withdraw(args: argparse.Namespace) -> int:
    from chalicelib import bootstrap
    from chalicelib.services.client_decisions import withdraw_dossier

    return _run(
        "withdraw",
        lambda: _where(
            withdraw_dossier(
                args.client, args.debtor, args.reason, bootstrap.now(), bootstrap.action_deps(), actor=ACTOR
            )
        ),
    )
