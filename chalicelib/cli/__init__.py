"""`debtflow`: the command-line tool for clients and ops (`python -m chalicelib.cli`)."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Each module adds its subcommands through `register(subparsers)`; imported only when the tool runs.
COMMAND_MODULES = (
    "chalicelib.cli.check_list",
    "chalicelib.cli.legal_commands",
    "chalicelib.cli.handover",
    "chalicelib.cli.arrangement",
    "chalicelib.cli.dossier_decisions",
    "chalicelib.cli.simulate",
    "chalicelib.cli.dlq",
    "chalicelib.cli.clients",
    "chalicelib.cli.smoke",
)

EXIT_CODES = """exit codes:
  0  done
  1  refused: the request was understood but cannot be done (the reason is on stderr)
  2  the command line or an input file could not be read
  3  AWS could not be reached or used (credentials, region, stage, table)"""


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="debtflow",
        description="Debtflow: debtor management for Dutch businesses and clubs.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subparsers = root.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if getattr(args, "stage", None):
            from chalicelib.cli.aws_target import use_stage

            use_stage(args.stage)
        exit_code: int = args.handler(args)
    except Exception as error:
        # Every failure is one line a person can act on, never a traceback.
        from chalicelib.cli.aws_target import AWS_PROBLEM, REFUSED, AwsProblem, explain
        from chalicelib.domain.errors import DebtflowError

        if isinstance(error, AwsProblem):
            reason, exit_code = str(error), AWS_PROBLEM
        elif isinstance(error, DebtflowError):
            reason, exit_code = str(error), REFUSED
        elif (explained := explain(error)) is not None:
            reason, exit_code = explained, AWS_PROBLEM
        else:
            raise
        action = getattr(args, "client_command", None)
        print(f"debtflow {args.command}{' ' + action if action else ''}: {reason}", file=sys.stderr)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
