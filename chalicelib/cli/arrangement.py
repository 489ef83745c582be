"""`debtflow arrangement CLIENT DEBTOR --installments N`: agree a payment arrangement."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from chalicelib.cli.aws_target import add_stage_option
from chalicelib.domain.errors import DebtflowError
from chalicelib.domain.money import format_eur


def register(subparsers: Any) -> None:
    command: argparse.ArgumentParser = subparsers.add_parser(
        "arrangement", help="agree a payment arrangement (installments) for a debtor's dossier"
    )
    command.add_argument("client", help="client id, e.g. vv-de-zwaluwen")
    command.add_argument("debtor", help="the debtor's number in the client's list")
    command.add_argument("--installments", type=int, required=True, help="number of monthly installments")
    command.add_argument(
        "--approved", action="store_true", help="the client approved a plan above its limits"
    )
    add_stage_option(command)
    command.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from chalicelib import bootstrap
    from chalicelib.services.arrangements import ArrangementRequest, create_arrangement

    try:
        dossier = create_arrangement(
            args.client,
            args.debtor,
            ArrangementRequest(installments=args.installments, approved_by_client=args.approved),
            bootstrap.now(),
            bootstrap.action_deps(),
            actor="cli",
        )
    except DebtflowError as error:
        print(f"debtflow arrangement: {error}", file=sys.stderr)
        return 1
    assert dossier.arrangement is not None
    for item in dossier.arrangement.installments:
        print(f"{item.number}. {item.due_date.isoformat()}  {format_eur(item.amount_cents)}")
    return 0
