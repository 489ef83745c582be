"""`debtflow client create|show|update|set-mollie-key|set-mapping`: a client's profile, its entry in
the client directory and its Mollie key, through the same repository and SSM adapter the app uses."""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from chalicelib.cli.aws_target import OK, REFUSED, add_stage_option

# The flags for the settings a new client is set up with; any other setting goes with --set.
FIELD_FLAGS = {
    "name": "the client's name as debtors know it (the sender of every message)",
    "sender_email": "the address reminders are sent from (an address on the stack's SenderDomain)",
    "reply_to_email": "where debtors' replies go (the client's administration)",
    "redirect_url": "the https:// page a debtor lands on after paying",
    "iban": "the client's IBAN (checked)",
    "kvk_number": "the client's KvK number (8 digits)",
    "phone": "a phone number debtors may call",
    "policy": "the dunning policy (chalicelib/data/policy_<name>.json), e.g. default",
    "language": "nl or en",
    "default_debtor_type": "business or consumer, for rows that do not say",
}


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"write a setting as FIELD=VALUE, e.g. club=yes (got {text!r})")
    return name.strip().replace("-", "_"), value


def register(subparsers: Any) -> None:
    client = subparsers.add_parser(
        "client",
        help="create, show and change a client (profile, directory entry, Mollie key)",
        description="A client's profile, its entry in the client directory and its Mollie key (SSM).",
    )
    commands = client.add_subparsers(dest="client_command", metavar="ACTION", required=True)

    def command(name: str, help_text: str, handler: Any) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = commands.add_parser(name, help=help_text, description=help_text)
        parser.add_argument("client", metavar="CLIENT", help="client id: lower-case letters, digits, hyphens")
        add_stage_option(parser)
        parser.set_defaults(handler=handler)
        return parser

    for name, handler, text in (
        ("create", _create, "register a new client"),
        ("update", _update, "change settings of a client"),
    ):
        parser = command(name, text, handler)
        for field_name, help_text in FIELD_FLAGS.items():
            parser.add_argument(_flag(field_name), dest=field_name, metavar="VALUE", help=help_text)
        parser.add_argument(
            "--set",
            dest="settings",
            action="append",
            type=_setting,
            default=[],
            metavar="FIELD=VALUE",
            help="any other setting of chalicelib/domain/clients.py, e.g. --set club=yes "
            "--set business_costs=minimum (repeatable)",
        )

    show = command("show", "print a client's settings (never its Mollie key)", _show)
    show.add_argument("--json", action="store_true", help="the profile as JSON")

    key = command(
        "set-mollie-key",
        "store the client's Mollie API key in SSM (SecureString); read from a prompt, stdin or a file",
        _set_mollie_key,
    )
    key.add_argument("--from-file", type=Path, metavar="PATH", help="read the key from this file")

    mapping = command(
        "set-mapping",
        "how the client's exports name their columns, where the header synonyms do not know them",
        _set_mapping,
    )
    mapping.add_argument(
        "pairs", nargs="*", type=_setting, metavar="FIELD=HEADER", help='e.g. debtor_id="Lidnummer"'
    )
    mapping.add_argument("--clear", action="store_true", help="remove the client's mapping")


def _values(args: argparse.Namespace) -> dict[str, str]:
    values = {name: getattr(args, name) for name in FIELD_FLAGS if getattr(args, name) is not None}
    for name, value in args.settings:
        values[name] = value
    return values


def _create(args: argparse.Namespace) -> int:
    from chalicelib import bootstrap
    from chalicelib.services.client_profiles import create_client

    saved = create_client(args.client, _values(args), bootstrap.client_directory())
    print(f"client {args.client} created ({saved.client.name}); the import and the daily jobs know it now")
    print(
        f"next: debtflow client set-mollie-key {args.client}"
        + (f" --stage {args.stage}" if args.stage else "")
    )
    return OK


def _update(args: argparse.Namespace) -> int:
    from chalicelib import bootstrap
    from chalicelib.services.client_profiles import update_client

    saved = update_client(args.client, _values(args), bootstrap.client_directory())
    changed = ", ".join(saved.changed) or "nothing (the values were already set)"
    print(f"client {args.client} updated: {changed}")
    return OK


def _show(args: argparse.Namespace) -> int:
    from chalicelib import bootstrap
    from chalicelib.adapters.client_codec import client_to_dict
    from chalicelib.domain.errors import UnknownClient

    client = bootstrap.client_directory().get(args.client)
    if client is None:
        raise UnknownClient(args.client)
    profile = client_to_dict(client)
    key_stored = bootstrap.secret_store().exists(client.mollie_key_parameter)
    if args.json:
        print(json.dumps({**profile, "mollie_key_stored": key_stored}, indent=2, ensure_ascii=False))
        return OK
    for field in dataclasses.fields(client):
        print(f"{field.name:<40} {_shown(profile[field.name])}")
    print(
        f"{'Mollie key':<40} "
        + ("stored in SSM" if key_stored else "NOT SET: debtflow client set-mollie-key")
    )
    return OK


def _shown(value: Any) -> str:
    if value is None or value == "" or value == {}:
        return "-"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v!r}" for k, v in value.items())
    return str(value).replace("\n", " / ")


def _set_mollie_key(args: argparse.Namespace) -> int:
    from chalicelib import bootstrap
    from chalicelib.services.client_profiles import set_mollie_key

    if args.from_file is not None:
        try:
            key = args.from_file.read_text("utf-8").strip()
        except OSError as error:
            print(
                f"debtflow client set-mollie-key: cannot read {args.from_file}: {error.strerror}",
                file=sys.stderr,
            )
            return REFUSED
    elif sys.stdin.isatty():
        key = getpass.getpass("Mollie API key (not shown): ").strip()
    else:
        key = sys.stdin.readline().strip()
    client = set_mollie_key(args.client, key, bootstrap.client_directory(), bootstrap.secret_store())
    mode = "live" if key.startswith("live_") else "test"
    print(f"Mollie {mode} key of {args.client} stored in SSM as {client.mollie_key_parameter} (SecureString)")
    return OK


def _set_mapping(args: argparse.Namespace) -> int:
    from chalicelib import bootstrap
    from chalicelib.services.client_profiles import InvalidProfile, set_column_mapping

    if bool(args.pairs) == bool(args.clear):
        raise InvalidProfile('give FIELD=HEADER pairs (e.g. debtor_id="Lidnummer") or --clear')
    saved = set_column_mapping(args.client, dict(args.pairs), bootstrap.client_directory())
    mapping = saved.client.column_mapping
    print(
        f"column mapping of {args.client}: "
        + (", ".join(f"{k} <- {v!r}" for k, v in mapping.items()) or "cleared (header synonyms only)")
    )
    return OK
