"""Mollie webhook cost: Mollie and DynamoDB requests per webhook, and the median handler time,
through the Chalice handler against moto and the Mollie emulator.

Targets: 1 Mollie GET and at most 4 DynamoDB requests (client, link owner, dossier, save)."""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

WEBHOOKS = 30


def main() -> None:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    os.environ.pop("AWS_ENDPOINT_URL", None)

    import boto3
    from chalice.test import Client as ChaliceClient
    from moto import mock_aws

    from chalicelib import bootstrap
    from chalicelib.adapters import table
    from chalicelib.domain.dossier import Dossier, Invoice
    from chalicelib.services.payments import payment_link_for
    from infra.local.demo_data import DEMO_CLIENT, DEMO_MOLLIE_KEY
    from infra.local.mollie_emulator import MollieEmulator
    from infra.local.provision import LocalNames, provision
    from tests.builders import NOW, debtor

    names = LocalNames(table="debtflow-bench", bucket="debtflow-bench-uploads")
    with mock_aws(), MollieEmulator() as mollie:
        provisioned = provision(names)
        os.environ.update(
            TABLE_NAME=names.table,
            UPLOADS_BUCKET=names.bucket,
            ACTIONS_QUEUE_URL=provisioned.actions_queue_url,
            MOLLIE_API_ENDPOINT=mollie.base_url,
            PUBLIC_API_URL="http://127.0.0.1:9",
        )
        table.bind(names.table)
        bootstrap.reset()
        mollie.add_account(DEMO_MOLLIE_KEY, name=DEMO_CLIENT.name)
        boto3.client("ssm").put_parameter(
            Name=DEMO_CLIENT.mollie_key_parameter, Value=DEMO_MOLLIE_KEY, Type="SecureString"
        )
        bootstrap.client_directory().save(DEMO_CLIENT)
        dossiers = bootstrap.dossier_repository()
        payments: list[str] = []
        import requests

        for n in range(WEBHOOKS):
            file = Dossier(DEMO_CLIENT.client_id, debtor(f"B{n:04d}"), NOW.date())
            file.invoices["F-1"] = Invoice("F-1", NOW.date(), 12_500, 12_500)
            link = payment_link_for(
                DEMO_CLIENT,
                file,
                1,
                NOW,
                gateway=bootstrap.payment_gateway(),
                links=bootstrap.payment_link_registry(),
                public_api_url="http://127.0.0.1:9",
            )
            dossiers.save(file)
            page = requests.get(link.checkout_url, allow_redirects=False, timeout=5)
            payment_id = str(page.headers["Location"]).rsplit("/", 1)[-1]
            mollie.set_payment_status(payment_id, "paid")
            payments.append(payment_id)

        dynamodb_calls = 0

        def count(**_: Any) -> None:
            nonlocal dynamodb_calls
            dynamodb_calls += 1

        import app

        gateway: Any = bootstrap.payment_gateway()
        bootstrap.payment_link_registry()
        from pynamodb.connection.base import Connection

        original = Connection._make_api_call

        def counted(self: Any, operation_name: str, operation_kwargs: Any) -> Any:
            count()
            return original(self, operation_name, operation_kwargs)

        Connection._make_api_call = counted  # type: ignore[method-assign]
        timings: list[float] = []
        with ChaliceClient(app.app, stage_name="local") as chalice:
            for payment_id in payments:
                before_mollie, before_db = gateway.requests, dynamodb_calls
                started = time.perf_counter()
                response = chalice.http.post(
                    f"/webhooks/mollie/{DEMO_CLIENT.client_id}",
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                    body=f"id={payment_id}",
                )
                timings.append(time.perf_counter() - started)
                assert response.status_code == 200
            per_mollie = (gateway.requests - before_mollie, dynamodb_calls - before_db)
        paid = sum(1 for d in dossiers.list_for_client(DEMO_CLIENT.client_id) if d.status.value == "paid")
        print(f"webhooks handled:           {len(payments)} ({paid} dossiers paid)")
        print(f"Mollie requests per webhook: {per_mollie[0]} (target 1)")
        print(f"DynamoDB requests per webhook: {per_mollie[1]} (target <= 4)")
        print(f"median handler time:        {statistics.median(timings) * 1000:.1f} ms (moto + emulator)")
