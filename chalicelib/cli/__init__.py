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
)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="debtflow", description="Debtflow: debtor management for Dutch businesses and clubs."
    )
    subparsers = root.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    exit_code: int = args.handler(args)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
