"""`debtflow handover CLIENT DEBTOR --approve|--decline [--pause]`: the client's hand-over decision."""

from __future__ import annotations

import argparse
import sys

from chalicelib.cli.aws_target import add_stage_option
from chalicelib.domain.errors import DebtflowError
from chalicelib.services.handover import Decision, HandoverDecision


def handover_command(args: argparse.Namespace) -> int:
    from chalicelib import bootstrap
    from chalicelib.services.handover import decide_handover

    decision = HandoverDecision(Decision.APPROVE if args.approve else Decision.DECLINE, not args.pause)
    try:
        result = decide_handover(
            args.client, args.debtor, decision, bootstrap.now(), bootstrap.action_deps(), actor="cli"
        )
    except DebtflowError as error:
        print(f"debtflow handover: {error}", file=sys.stderr)
        return 1
    print(f"dossier {args.client}/{args.debtor}: {result.status}")
    if result.export_key:
        print(f"file for the agency: {result.export_key} and {result.summary_key}")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "handover",
        help="approve or decline handing a dossier over to a collection agency",
        description="Record the client's decision on a hand-over (it is always the client's choice).",
    )
    parser.add_argument("client", metavar="CLIENT", help="client id")
    parser.add_argument("debtor", metavar="DEBTOR", help="debtor id")
    choice = parser.add_mutually_exclusive_group(required=True)
    choice.add_argument("--approve", action="store_true", help="hand over and export the file for the agency")
    choice.add_argument(
        "--decline", action="store_true", help="do not hand over; reminders continue at the follow-up rhythm"
    )
    parser.add_argument(
        "--pause",
        action="store_true",
        help="with --decline: pause the reminders (for the client's default pause length)",
    )
    add_stage_option(parser)
    parser.set_defaults(handler=handover_command)
