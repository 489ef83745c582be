"""`debtflow smoke [--stage NAME]`: after a deploy, upload a one-line debtor list for a smoke-test
client and check the import's report, the way a client's upload goes (S3 -> SQS -> import_upload).

The list goes to a client of its own (`debtflow-smoke`, created on first use), never to a real
client, whose next full list could close dossiers missing from it. Its one debtor has no e-mail,
phone or address, so nothing can be sent to anyone, and its dossier is withdrawn once checked.
"""

from __future__ import annotations

import argparse
import json
import secrets
import time
from collections.abc import Callable
from typing import Any

from chalicelib.cli.aws_target import OK, REFUSED, add_stage_option

SMOKE_CLIENT = "debtflow-smoke"
SMOKE_PROFILE = {
    "name": "Debtflow smoke test",
    "sender_email": "smoke-test@example.invalid",
    "reply_to_email": "smoke-test@example.invalid",
    "redirect_url": "https://example.invalid/smoke-test",
}


class SmokeFailed(Exception):
    """A check of the smoke test failed; the message says which and where to look."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "smoke",
        help="check a deployed stage: upload a one-line list and check the import's report",
        description="Upload a one-line debtor list for the smoke-test client and check the report the "
        "import writes beside it. Exit 0 when it passed, 1 when a check failed, 3 when AWS could not be used.",
    )
    add_stage_option(parser)
    parser.add_argument(
        "--client", default=SMOKE_CLIENT, help=f"the smoke-test client id (default {SMOKE_CLIENT})"
    )
    parser.add_argument(
        "--wait", type=float, default=120.0, metavar="SECONDS", help="how long to wait for the report"
    )
    parser.set_defaults(handler=smoke_command)


def smoke_command(args: argparse.Namespace) -> int:
    try:
        lines = run_smoke_test(args.client, args.wait, stage=args.stage)
    except SmokeFailed as error:
        print(f"debtflow smoke: FAILED: {error}")
        return REFUSED
    for line in lines:
        print(line)
    return OK


def run_smoke_test(
    client_id: str,
    wait_seconds: float,
    *,
    stage: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[str]:
    from chalicelib import bootstrap
    from chalicelib.services.client_decisions import withdraw_dossier
    from chalicelib.services.client_profiles import create_client

    lines: list[str] = []
    if bootstrap.client_directory().get(client_id) is None:
        create_client(client_id, SMOKE_PROFILE, bootstrap.client_directory())
        lines.append(f"created the smoke-test client {client_id}")
    now = bootstrap.now()
    # Unique per run, also when two runs meet the same clock reading.
    stamp = f"{now:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
    debtor_id = f"SMOKE-{stamp}"
    name = f"smoke-{stamp}.csv"
    day = now.strftime("%d-%m-%Y")
    body = (
        "Relatiecode;Naam;Soort;Factuurnummer;Factuurdatum;Vervaldatum;Bedrag\n"
        f"{debtor_id};Rookproef Debtflow;Zakelijk;{debtor_id};{day};{day};1,00\n"
    )
    files = bootstrap.file_store()
    upload_key = f"incoming/{client_id}/{name}"
    files.put(upload_key, body.encode("utf-8"), "text/csv")
    bucket = bootstrap.settings().uploads_bucket
    lines.append(f"uploaded s3://{bucket}/{upload_key} (one debtor, one invoice of EUR 1,00)")

    report_key = f"reports/{client_id}/{name}.result.json"
    report = _wait_for(lambda: _read_json(files, report_key), wait_seconds, sleep)
    function = f"debtflow-{stage}-import_upload" if stage else "import_upload"
    if report is None:
        raise SmokeFailed(
            f"no report at s3://{bucket}/{report_key} after {wait_seconds:.0f} s: check the logs of "
            f"{function} and the uploads dead-letter queue"
        )
    checks = {
        "status": (report.get("status"), "imported"),
        "accepted": (report.get("accepted"), 1),
        "rejected_count": (report.get("rejected_count"), 0),
        "dossiers_opened": (report.get("dossiers_opened"), 1),
    }
    wrong = [
        f"{field} is {found!r}, expected {expected!r}"
        for field, (found, expected) in checks.items()
        if found != expected
    ]
    if wrong:
        raise SmokeFailed(
            f"the report s3://{bucket}/{report_key} says: {'; '.join(wrong)} (error: {report.get('error')})"
        )
    lines.append(f"report s3://{bucket}/{report_key}: imported, 1 invoice accepted, 1 dossier opened")

    dossier = bootstrap.dossier_repository().get(client_id, debtor_id)
    if dossier is None:
        raise SmokeFailed(f"the report says imported, but the table has no dossier {client_id}/{debtor_id}")
    withdraw_dossier(
        client_id, debtor_id, "smoke test", bootstrap.now(), bootstrap.action_deps(), actor="smoke"
    )
    lines.append(f"dossier {client_id}/{debtor_id} found in the table and withdrawn (nothing is sent)")
    lines.append("smoke test passed")
    return lines


def _read_json(files: Any, key: str) -> dict[str, Any] | None:
    try:
        with files.open(key) as body:
            data: dict[str, Any] = json.loads(body.read())
            return data
    except FileNotFoundError:
        return None


def _wait_for(
    read: Callable[[], dict[str, Any] | None], wait_seconds: float, sleep: Callable[[float], None]
) -> dict[str, Any] | None:
    deadline = time.monotonic() + wait_seconds
    while True:
        found = read()
        if found is not None or time.monotonic() >= deadline:
            return found
        sleep(2.0)
