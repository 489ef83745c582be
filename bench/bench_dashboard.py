"""The client's dashboard on a large client: 10,000 dossiers on moto, p95 server time of the
overview (`GET /clients/<c>/summary`) and of a 50-line list page (first page, a status page, a
later page, a search), and DynamoDB requests per answer.

The dossiers are saved through the real repository (so the counters and list lines are the ones
the saves keep), the requests go through the real handlers with a real ID token from moto's
Cognito; server time is measured around the API handler, requests by wrapping PynamoDB's
connection dispatch. Targets: summary <= 150 ms, list <= 300 ms, <= 5 requests per answer.
moto walks its whole table for every Query, so the time without moto's answers is printed too.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from moto import mock_aws
from pynamodb.connection.base import Connection

DOSSIERS = int(os.environ.get("BENCH_DASHBOARD_DOSSIERS", "10000"))
ROUNDS = int(os.environ.get("BENCH_DASHBOARD_ROUNDS", "20"))
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 20 else max(samples)


def main() -> None:
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "eu-west-1",
        }
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    with mock_aws():
        run()


def run() -> None:
    from chalice.test import Client as ChaliceClient

    import app
    from chalicelib import bootstrap
    from chalicelib.adapters import table
    from chalicelib.domain.debtor_list import DebtorDetails, DebtorType
    from chalicelib.domain.dossier import Dossier, Invoice, Status
    from infra.local.demo_data import DEMO_CLIENT
    from infra.local.login_pool import add_user, create_login_pool, id_token
    from infra.local.provision import LocalNames, provision

    names = LocalNames(table="debtflow-bench-dashboard", bucket="debtflow-bench-dashboard")
    provision(names)
    login = create_login_pool()
    os.environ.update({"TABLE_NAME": names.table, "UPLOADS_BUCKET": names.bucket, **login.environment()})
    table.bind(names.table)
    bootstrap.reset()
    bootstrap.clock = lambda: NOW
    bootstrap.client_directory().save(DEMO_CLIENT)
    add_user(login, "bench@zwaluwen.example", "Bench-Passw0rd-1", DEMO_CLIENT.client_id, "owner")
    headers = {"Authorization": f"Bearer {id_token(login, 'bench@zwaluwen.example', 'Bench-Passw0rd-1')}"}

    started = time.perf_counter()
    repository = bootstrap.dossier_repository()
    statuses = [Status.OPEN, Status.REMINDED, Status.REMINDED, Status.AWAITING_HANDOVER_DECISION, Status.PAID]
    batch: list[Dossier] = []
    for n in range(DOSSIERS):
        debtor = DebtorDetails(
            f"{100000 + n}", f"Lid {n:05d} van der Berg", DebtorType.CONSUMER, email=f"lid{n}@example.nl"
        )
        dossier = Dossier(client_id=DEMO_CLIENT.client_id, debtor=debtor, opened_on=date(2026, 10, 1))
        due = date(2026, 12, 1) - timedelta(days=n % 150)
        open_cents = 0 if statuses[n % 5] is Status.PAID else 18_500
        dossier.invoices[f"F{n}"] = Invoice(f"F{n}", due, 18_500, open_cents)
        dossier.status = statuses[n % 5]
        batch.append(dossier)
        if len(batch) == 490:
            assert repository.create_many(batch) == []
            batch = []
    if batch:
        assert repository.create_many(batch) == []
    print(
        f"{DOSSIERS} dossiers saved with their counts and list lines in {time.perf_counter() - started:.1f} s"
    )

    calls: dict[str, float] = {"n": 0, "seconds": 0.0}
    original = Connection.dispatch

    def dispatch(conn: Any, operation_name: str, operation_kwargs: dict[str, Any]) -> Any:
        calls["n"] += 1
        begun = time.perf_counter()
        try:
            return original(conn, operation_name, operation_kwargs)
        finally:
            calls["seconds"] += time.perf_counter() - begun

    Connection.dispatch = dispatch  # type: ignore[method-assign,assignment]
    client = DEMO_CLIENT.client_id
    try:
        with ChaliceClient(app.app, stage_name="local") as chalice:
            second = json.loads(
                chalice.http.get(f"/clients/{client}/dossiers?size=50", headers=headers).body
            )["next_page"]
            cases = {
                "summary": f"/clients/{client}/summary",
                "list, first 50": f"/clients/{client}/dossiers",
                "list, next 50": f"/clients/{client}/dossiers?page={second}",
                "list, status=reminded": f"/clients/{client}/dossiers?status=reminded",
                "list, aging=31-60": f"/clients/{client}/dossiers?aging=31-60",
                "list, q=berg (search)": f"/clients/{client}/dossiers?q=berg",
            }
            for name, path in cases.items():
                chalice.http.get(path, headers=headers)  # warm: the verifier's keys, connections
                times: list[float] = []
                own: list[float] = []
                requests: list[int] = []
                for _ in range(ROUNDS):
                    calls["n"], calls["seconds"] = 0, 0.0
                    begun = time.perf_counter()
                    response = chalice.http.get(path, headers=headers)
                    elapsed = (time.perf_counter() - begun) * 1000
                    times.append(elapsed)
                    own.append(elapsed - calls["seconds"] * 1000)
                    requests.append(int(calls["n"]))
                    assert response.status_code == 200, response.body
                body = json.loads(response.body)
                rows = len(body["dossiers"]) if isinstance(body.get("dossiers"), list) else "-"
                # moto answers a Query by walking every item of its table (moto/dynamodb/models/
                # table.py): its time grows with the table, DynamoDB's does not. So the figure
                # without the time spent inside DynamoDB calls is printed beside the total.
                print(
                    f"{name:24} p95 {p95(times):7.1f} ms (without moto's answer {p95(own):6.1f} ms)  "
                    f"median {statistics.median(times):7.1f} ms  DynamoDB requests {max(requests)}  lines {rows}"
                )
    finally:
        Connection.dispatch = original  # type: ignore[method-assign]
