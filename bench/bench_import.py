"""Import a realistic 100,000-row debtor list against moto through the real service and repository.

Prints rows/second, DynamoDB requests per 1,000 rows (first import and unchanged re-import), the
time ratio against a baseline (csv module + boto3 batch_writer of the same rows), and for a
1,000,000-row list the splitting pass and one chunk worker, each in its own process with its peak
memory (the worker against moto in a third process, so moto's copy of the data does not count).
Targets: ratio <= 1.5, <= 45 and <= 5 requests per 1,000 rows, < 300 MB.
"""

from __future__ import annotations

import csv
import io
import os
import random
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
BIG_ROWS = int(os.environ.get("BENCH_IMPORT_BIG_ROWS", "1000000"))
CLIENT_ID = "vv-bench"
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
TARGET_RATIO, TARGET_FIRST, TARGET_AGAIN, TARGET_MB = 1.5, 45.0, 5.0, 300.0

FIRST = [
    "Jan",
    "Pieter",
    "Sanne",
    "Fatima",
    "Daan",
    "Eva",
    "Lotte",
    "Mohammed",
    "Sem",
    "Noah",
    "Emma",
    "Julia",
    "Lucas",
    "Tess",
    "Finn",
    "Mila",
    "Ahmed",
    "Anouk",
    "Bram",
    "Yara",
]
PREFIX = ["", "", "", "van ", "de ", "van der ", "van den ", "ter "]
LAST = [
    "Vries",
    "Jansen",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "Mulder",
    "Bos",
    "Berg",
    "Dijk",
    "Yilmaz",
    "Koster",
    "Hoek",
    "Amrani",
    "Boer",
    "Dekker",
    "Brink",
    "Vos",
    "Peters",
    "Hendriks",
]
HEADER = "Relatiecode;Naam;E-mail;Telefoon;Factuurnummer;Factuurdatum;Vervaldatum;Bedrag;Openstaand\r\n"


def euro(cents: int) -> str:
    whole, rest = divmod(cents, 100)
    return f"€ {whole:,}".replace(",", ".") + f",{rest:02d}"


def generate(rows: int, seed: int = 7) -> Iterator[bytes]:
    """A Sportlink/Exact-like export: ~3 invoices per debtor, decimal commas, Dutch names."""
    rng = random.Random(seed)
    yield HEADER.encode("utf-8")
    written = 0
    debtor = 100000
    start = date(2026, 9, 1)
    while written < rows:
        debtor += 1
        first, prefix, last = rng.choice(FIRST), rng.choice(PREFIX), rng.choice(LAST)
        name = f"{first} {prefix}{last}"
        email = f"{first.lower()}.{last.lower()}{debtor}@example.nl"
        phone = f"06{rng.choice('1234')}{rng.randrange(1_000_000, 9_999_999)}"
        lines = []
        for n in range(min(rng.choice((2, 3, 3, 4)), rows - written)):
            cents = rng.randrange(1_500, 250_000)
            issued = start + timedelta(days=rng.randrange(0, 60))
            due = issued + timedelta(days=14)
            lines.append(
                f"{debtor};{name};{email};{phone};F{debtor}-{n};{issued:%d-%m-%Y};{due:%d-%m-%Y};"
                f"{euro(cents)};{euro(cents if n else cents // 2)}\r\n"
            )
        written += len(lines)
        yield "".join(lines).encode("utf-8")


class RequestCounter:
    """Counts every DynamoDB request PynamoDB sends (its connection's dispatch)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def __enter__(self) -> RequestCounter:
        from pynamodb.connection.base import Connection

        self._original = Connection.dispatch
        original = self._original
        calls = self.calls

        def counting(conn: Any, operation_name: str, operation_kwargs: dict[str, Any]) -> Any:
            calls[operation_name] += 1
            return original(conn, operation_name, operation_kwargs)

        setattr(Connection, "dispatch", counting)  # noqa: B010
        return self

    def __exit__(self, *exc: object) -> None:
        from pynamodb.connection.base import Connection

        setattr(Connection, "dispatch", self._original)  # noqa: B010

    @property
    def total(self) -> int:
        return sum(self.calls.values())


def _import(body: bytes, key: str, etag: str, bucket: str) -> tuple[float, RequestCounter, Any]:
    import boto3

    from chalicelib import bootstrap
    from chalicelib.services.import_upload import ImportUpload, import_upload

    boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=body)
    with RequestCounter() as counter:
        started = time.perf_counter()
        result = import_upload(ImportUpload(bucket, key, etag), NOW, bootstrap.import_deps())
        elapsed = time.perf_counter() - started
    return elapsed, counter, result


def _baseline(body: bytes) -> float:
    """The floor: parse with the csv module, one item per row through boto3's batch_writer."""
    import boto3

    dynamodb = boto3.resource("dynamodb")
    table = dynamodb.create_table(
        TableName="bench-baseline",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    started = time.perf_counter()
    reader = csv.reader(io.StringIO(body.decode("utf-8")), delimiter=";")
    next(reader)
    with table.batch_writer() as batch:
        for row in reader:
            batch.put_item(
                Item={"pk": f"DEBTOR#{row[0]}", "sk": f"INVOICE#{row[4]}", "name": row[1], "open": row[8]}
            )
    return time.perf_counter() - started


def peak_mb() -> float:
    """This process's peak resident memory in MB. Not ru_maxrss: on Linux a child started from a
    large parent inherits the parent's high-water mark across fork+exec; VmHWM belongs to the new
    process image alone."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


class DirChunkStore:
    """The chunk store on a local directory (the S3 writer's own spooled buffers, then a file per
    shard), so a subprocess's peak memory is ours, not moto's copy of the chunks."""

    def __init__(self, root: str) -> None:
        self.root = root

    def _path(self, prefix: str, name: str) -> str:
        path = os.path.join(self.root, prefix, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return path

    def writer(self, prefix: str) -> Any:
        from chalicelib.adapters.s3_chunks import S3ChunkWriter

        store = self

        class DirWriter(S3ChunkWriter):
            def close(self) -> None:
                import shutil

                for shard in range(16):
                    self._flush(shard)
                    self._streams[shard].close()
                    self._files[shard].seek(0)
                    with open(store._path(prefix, f"shard-{shard:02d}.jsonl.gz"), "wb") as out:
                        shutil.copyfileobj(self._files[shard], out)
                    self._files[shard].close()

        return DirWriter("local", prefix)

    def records(self, prefix: str, shard: int) -> Iterator[list[Any]]:
        import gzip
        import json

        with gzip.open(self._path(prefix, f"shard-{shard:02d}.jsonl.gz"), "rb") as lines:
            for line in lines:
                yield json.loads(line)

    def put_json(self, prefix: str, name: str, data: Any) -> None:
        import json

        with open(self._path(prefix, name), "w", encoding="utf-8") as out:
            json.dump(data, out)

    def get_json(self, prefix: str, name: str) -> Any:
        import json

        with open(self._path(prefix, name), encoding="utf-8") as stream:
            return json.load(stream)


def _generated_stream(rows: int) -> io.BufferedReader:
    class Generated(io.RawIOBase):
        def __init__(self) -> None:
            self._chunks, self._buffer = generate(rows), b""

        def readable(self) -> bool:
            return True

        def readinto(self, target: Any) -> int:
            while len(self._buffer) < len(target):
                chunk = next(self._chunks, b"")
                if not chunk:
                    break
                self._buffer += chunk
            size = min(len(target), len(self._buffer))
            target[:size], self._buffer = self._buffer[:size], self._buffer[size:]
            return size

    return io.BufferedReader(Generated(), 1 << 16)


BIG_KEY = f"incoming/{CLIENT_ID}/groot.csv"


def _big_deps(root: str, rows: int) -> Any:
    """Moto for the table and the digests; the list streamed from the generator; chunks on disk."""
    from chalicelib import bootstrap
    from chalicelib.adapters import table
    from chalicelib.domain.clients import Client
    from infra.local.provision import LocalNames, provision

    class GeneratedFiles:
        def open(self, key: str) -> Any:
            return _generated_stream(rows)

        def size(self, key: str) -> int:
            return 0

        def put(self, key: str, body: bytes, content_type: str) -> None:
            return None

        def delete(self, key: str) -> None:
            return None

    class Queue:
        def enqueue(self, messages: list[dict[str, Any]]) -> None:
            return None

    names = LocalNames(table="debtflow-bench", bucket="debtflow-uploads-bench")
    provision(names)
    table.bind(names.table)
    bootstrap.reset()
    bootstrap.client_directory().save(
        Client(CLIENT_ID, "VV Bench", "noreply@debtflow.example", "pm@bench.example", "https://bench.example",
               "/debtflow/clients/vv-bench/mollie-api-key")
    )  # fmt: skip
    return replace(
        bootstrap.import_deps(), files=GeneratedFiles(), chunks=DirChunkStore(root), chunk_queue=Queue()
    )


def big_split(root: str, rows: str) -> str:
    """The splitting pass of a `rows`-row list (in a subprocess): one line of figures."""
    _bench_environment()
    from moto import mock_aws

    from chalicelib.services.import_upload import ImportUpload, import_upload

    with mock_aws():
        deps = _big_deps(root, int(rows))
        with RequestCounter() as counter:
            started = time.perf_counter()
            result = import_upload(ImportUpload("bench", BIG_KEY, "big"), NOW, deps)
            elapsed = time.perf_counter() - started
    assert result.split, result.status
    return f"{elapsed:.1f} {counter.total} {result.accepted}"


def big_chunk(root: str, rows: str, shard_text: str) -> str:
    """One chunk worker on the split's shard `shard` (in a subprocess): one line of figures."""
    _bench_environment()
    from moto import mock_aws

    from chalicelib.services.import_chunks import ImportChunk, import_chunk

    # With BENCH_AWS_ENDPOINT the table lives in a moto server of its own process, so this
    # process's peak memory is the worker's alone, not moto's copy of what it wrote.
    with nullcontext() if os.environ.get("AWS_ENDPOINT_URL") else mock_aws():
        shard = int(shard_text)
        deps = _big_deps(root, int(rows))
        deps.ledger.claim(CLIENT_ID, BIG_KEY, "big", NOW)
        with RequestCounter() as counter:
            started = time.perf_counter()
            import_chunk(ImportChunk(CLIENT_ID, BIG_KEY, "big", shard), NOW, deps)
            elapsed = time.perf_counter() - started
        _, done = deps.ledger.shards(CLIENT_ID, BIG_KEY, "big")
    assert done == {shard}
    lines = sum(1 for _ in deps.chunks.records(_prefix(), shard))
    return f"{elapsed:.1f} {counter.total} {lines}"


@contextmanager
def _moto_server() -> Iterator[str]:
    """moto in a process of its own on a free loopback port; yields its endpoint."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "infra.local.moto_server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            with socket.socket() as client:
                if client.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _prefix() -> str:
    from chalicelib.services.list_chunks import upload_prefix

    return upload_prefix(CLIENT_ID, BIG_KEY, "big")


def _in_subprocess(
    function: str, *args: object, env: dict[str, str] | None = None
) -> tuple[float, list[str]]:
    """Run `bench.bench_import.<function>(*args)` in a fresh interpreter: (peak MB, its output)."""
    code = (
        "import sys, bench.bench_import\n"
        f"from bench.bench_import import {function}\n"
        f"out = {function}(*sys.argv[1:])\n"
        "print(bench.bench_import.peak_mb(), out)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, **(env or {})},
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    fields = out.stdout.strip().splitlines()[-1].split()  # after any metric lines
    return float(fields[0]), fields[1:]


def _bench_environment() -> None:
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "TABLE_NAME": "debtflow-bench",
            "UPLOADS_BUCKET": "debtflow-uploads-bench",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    if os.environ.get("BENCH_AWS_ENDPOINT"):
        os.environ["AWS_ENDPOINT_URL"] = os.environ["BENCH_AWS_ENDPOINT"]


def big_list(rows: int) -> None:
    """A `rows`-row list split into 16 shards: the splitting pass, then one chunk worker, each in
    its own process with its peak memory. The chunks' DynamoDB writes go to moto, whose speed is
    not AWS's: the whole import is extrapolated from one chunk, and says so."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="debtflow-bench-") as root:
        split_mb, (split_s, split_requests, accepted) = _in_subprocess("big_split", root, rows)
        print(
            f"{rows:,}-row list, splitting pass: {int(accepted) / float(split_s):,.0f} rows/s ({split_s} s), "
            f"{split_requests} DynamoDB requests, peak memory {split_mb:.0f} MB {_verdict(split_mb, TARGET_MB, ' MB')}",
            flush=True,
        )
        shard = 0
        with _moto_server() as endpoint:
            chunk_mb, (chunk_s, chunk_requests, lines) = _in_subprocess(
                "big_chunk", root, rows, shard, env={"BENCH_AWS_ENDPOINT": endpoint}
            )
        per_1000 = int(chunk_requests) / (int(lines) / 1000)
        print(
            f"one chunk worker (shard {shard}: {int(lines):,} rows, first import, moto in its own process): "
            f"{int(lines) / float(chunk_s):,.0f} rows/s ({chunk_s} s), {per_1000:.2f} DynamoDB requests per "
            f"1,000 rows, peak memory {chunk_mb:.0f} MB {_verdict(chunk_mb, TARGET_MB, ' MB')}",
            flush=True,
        )
        print(
            f"extrapolated, NOT measured end to end (moto-limited): 16 chunks of ~{rows // 16:,} rows; with "
            f"16 chunk Lambdas in parallel the import takes ~{float(split_s) + float(chunk_s):.0f} s "
            f"(split + one chunk), ~{float(split_s) + 16 * float(chunk_s):.0f} s one after another; "
            f"~{int(split_requests) + 16 * int(chunk_requests):,} DynamoDB requests in all",
            flush=True,
        )


def _verdict(value: float, target: float, unit: str) -> str:
    return f"ok (target <= {target:g}{unit})" if value <= target else f"MISSED (target <= {target:g}{unit})"


def main() -> None:
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "TABLE_NAME": "debtflow-bench",
            "UPLOADS_BUCKET": "debtflow-uploads-bench",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    from moto import mock_aws

    from chalicelib import bootstrap
    from chalicelib.adapters import table
    from chalicelib.domain.clients import Client
    from infra.local.provision import LocalNames, provision

    body = b"".join(generate(ROWS))
    print(f"list: {ROWS:,} rows, {len(body) / 1e6:.1f} MB", flush=True)
    with mock_aws():
        names = LocalNames(table="debtflow-bench", bucket="debtflow-uploads-bench")
        provision(names)
        table.bind(names.table)
        bootstrap.reset()
        bootstrap.client_directory().save(
            Client(
                CLIENT_ID,
                "VV Bench",
                "noreply@debtflow.example",
                "pm@bench.example",
                "https://bench.example",
                "/debtflow/clients/vv-bench/mollie-api-key",
            )
        )
        ours, first, result = _import(body, f"incoming/{CLIENT_ID}/leden.csv", "day1", names.bucket)
        print(
            f"first import: {ROWS / ours:,.0f} rows/s ({ours:.1f} s), {len(result.opened):,} dossiers opened, "
            f"{first.total:,} DynamoDB requests {dict(first.calls)}",
            flush=True,
        )
        again_s, again, result2 = _import(body, f"incoming/{CLIENT_ID}/leden-dag2.csv", "day2", names.bucket)
        print(
            f"unchanged re-import: {ROWS / again_s:,.0f} rows/s ({again_s:.1f} s), "
            f"{result2.unchanged:,} debtors unchanged, {again.total} DynamoDB requests {dict(again.calls)}",
            flush=True,
        )
        base = _baseline(body)
    ratio = ours / base
    per_first = first.total / (ROWS / 1000)
    per_again = again.total / (ROWS / 1000)
    print(f"baseline (csv + boto3 batch_writer, one item per row): {ROWS / base:,.0f} rows/s ({base:.1f} s)")
    print(f"time ours/baseline: {ratio:.2f} {_verdict(ratio, TARGET_RATIO, '')}")
    print(
        f"DynamoDB requests per 1,000 rows, first import: {per_first:.2f} {_verdict(per_first, TARGET_FIRST, '')}"
    )
    print(
        f"DynamoDB requests per 1,000 rows, unchanged re-import: {per_again:.2f} {_verdict(per_again, TARGET_AGAIN, '')}"
    )
    big_list(BIG_ROWS)
