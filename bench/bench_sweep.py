"""The sweep reads only what is due: items read and DynamoDB requests for 100,000 dossiers of which
1,000 are due, and for an empty due set, against moto.

The table is filled with batch writes straight through boto3, in the item shape the repository
writes (tests/adapters/test_repository_contract.py keeps that shape honest): only due dossiers
carry the sparse due-index keys. Requests are counted by wrapping PynamoDB's connection dispatch.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from moto import mock_aws
from pynamodb.connection.base import Connection

from chalicelib.adapters import table
from chalicelib.adapters.dynamodb_repository import DynamoDossierRepository
from chalicelib.services.sweep import sweep_due

# 20,000 by default so `make bench` stays short (moto writes ~450 items/s); the 100,000-dossier
# figure: BENCH_SWEEP_DOSSIERS=100000 (~4 min). Either way 1 in 100 dossiers is due.
DOSSIERS = 20_000
DUE_EVERY = 100
TABLE = "debtflow-bench"
REGION = "eu-west-1"
NOW = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)


class Counter:
    def __init__(self) -> None:
        self.requests = 0
        self.items = 0


@contextmanager
def counting() -> Iterator[Counter]:
    counter = Counter()
    original = Connection.dispatch

    def dispatch(conn: Any, operation_name: str, operation_kwargs: dict[str, Any]) -> Any:
        counter.requests += 1
        result = original(conn, operation_name, operation_kwargs)
        counter.items += int(result.get("Count", 0)) if isinstance(result, dict) else 0
        return result

    Connection.dispatch = dispatch  # type: ignore[method-assign,assignment]
    try:
        yield counter
    finally:
        Connection.dispatch = original  # type: ignore[method-assign]


class ListQueue:
    def __init__(self) -> None:
        self.queued = 0

    def enqueue(self, dossiers: list[tuple[str, str]], due_at: datetime) -> int:
        self.queued += len(dossiers)
        return len(dossiers)


def _item(number: int) -> dict[str, Any]:
    client_id, debtor_id = f"club-{number % 50}", f"{number:06d}"
    item: dict[str, Any] = {
        "pk": {"S": table.dossier_pk(client_id, debtor_id)},
        "sk": {"S": "DOSSIER"},
        "gsi1pk": {"S": f"CLIENT#{client_id}"},
        "gsi1sk": {"S": f"ACTIVE#{debtor_id}"},
        "status": {"S": "reminded"},
        "open_cents": {"N": "18500"},
        "version": {"N": "1"},
        "body": {"S": json.dumps({"client_id": client_id, "debtor_id": debtor_id})},
    }
    # 1% due now (an hour ago); the rest have their next step next week or none at all.
    if number % DUE_EVERY == 0:
        at = NOW - timedelta(hours=1)
    elif number % 3 == 0:
        return item
    else:
        at = NOW + timedelta(days=7)
    item["due_pk"] = {"S": table.due_shard(client_id, debtor_id)}
    item["due_sk"] = {"S": f"{at.strftime('%Y-%m-%dT%H:%M:%S')}#{client_id}#{debtor_id}"}
    return item


def _fill(count: int) -> None:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    for start in range(0, count, 25):
        requests = [{"PutRequest": {"Item": _item(n)}} for n in range(start, min(start + 25, count))]
        dynamodb.batch_write_item(RequestItems={TABLE: requests})


def _sweep(now: datetime) -> tuple[int, Counter, float]:
    queue = ListQueue()
    with counting() as counter:
        started = time.perf_counter()
        sweep_due(now, DynamoDossierRepository(), queue)
        elapsed = time.perf_counter() - started
    return queue.queued, counter, elapsed


def main() -> None:
    for name, value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}.items():
        os.environ.setdefault(name, value)
    os.environ["AWS_DEFAULT_REGION"] = REGION
    dossiers = int(os.environ.get("BENCH_SWEEP_DOSSIERS", DOSSIERS))
    with mock_aws():
        boto3.client("dynamodb", region_name=REGION).create_table(TableName=TABLE, **table.table_definition())
        table.bind(TABLE, region=REGION)
        started = time.perf_counter()
        _fill(dossiers)
        print(f"table: {dossiers:,} dossiers written in {time.perf_counter() - started:.0f} s", flush=True)
        if dossiers == DOSSIERS:
            print("(the 100,000-dossier run: BENCH_SWEEP_DOSSIERS=100000 make bench)")
        queued, counter, elapsed = _sweep(NOW)
        print(
            f"due set {queued:,}: {counter.items:,} items read, {counter.requests} DynamoDB requests "
            f"({elapsed:.2f} s on moto)"
        )
        queued, counter, elapsed = _sweep(NOW - timedelta(days=1))
        print(
            f"empty due set: {queued} queued, {counter.items} items read, {counter.requests} DynamoDB requests "
            f"({elapsed:.2f} s on moto)"
        )


if __name__ == "__main__":
    main()
