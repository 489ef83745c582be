"""A large list's shard chunks and their small JSON documents in the uploads bucket, under
`state/<client>/imports/<upload id>/` (see `services.list_chunks`).

Writing streams: each shard's gzip stream goes to a spooled temporary file that stays in memory
up to 1 MB and moves to /tmp beyond, so the splitting pass holds a bounded buffer per shard
whatever the size of the list. Reading streams the object and decompresses it line by line.
"""

from __future__ import annotations

import gzip
import json
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from chalicelib.adapters.aws_clients import client
from chalicelib.domain.reconciliation import DIGEST_SHARDS

_SPOOL_BYTES = 1 << 20
_FLUSH_LINES = 512


def chunk_key(prefix: str, shard: int) -> str:
    return f"{prefix}/shard-{shard:02d}.jsonl.gz"


class S3ChunkWriter:
    def __init__(self, bucket: str, prefix: str) -> None:
        self.bucket, self.prefix = bucket, prefix
        self._files: list[IO[bytes]] = [
            tempfile.SpooledTemporaryFile(_SPOOL_BYTES)  # noqa: SIM115 (closed in close())
            for _ in range(DIGEST_SHARDS)
        ]
        self._streams = [gzip.GzipFile(fileobj=f, mode="wb", mtime=0) for f in self._files]
        self._pending: list[list[bytes]] = [[] for _ in range(DIGEST_SHARDS)]

    def add(self, shard: int, record: list[Any]) -> None:
        pending = self._pending[shard]
        pending.append(json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
        if len(pending) >= _FLUSH_LINES:
            self._flush(shard)

    def _flush(self, shard: int) -> None:
        pending = self._pending[shard]
        if pending:
            self._streams[shard].write(b"\n".join(pending) + b"\n")
            pending.clear()

    def close(self) -> None:
        s3 = client("s3")
        for shard in range(DIGEST_SHARDS):
            self._flush(shard)
            self._streams[shard].close()
            body = self._files[shard]
            body.seek(0)
            s3.put_object(
                Bucket=self.bucket,
                Key=chunk_key(self.prefix, shard),
                Body=body,
                ContentType="application/gzip",
            )
            body.close()


class S3ChunkStore:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def writer(self, prefix: str) -> S3ChunkWriter:
        return S3ChunkWriter(self.bucket, prefix)

    def records(self, prefix: str, shard: int) -> Iterator[list[Any]]:
        body = client("s3").get_object(Bucket=self.bucket, Key=chunk_key(prefix, shard))["Body"]
        with gzip.GzipFile(fileobj=body, mode="rb") as lines:
            for line in lines:
                record: list[Any] = json.loads(line)
                yield record

    def put_json(self, prefix: str, name: str, data: Any) -> None:
        body = gzip.compress(
            json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8"), mtime=0
        )
        client("s3").put_object(
            Bucket=self.bucket,
            Key=f"{prefix}/{name}",
            Body=body,
            ContentType="application/json",
            ContentEncoding="gzip",
        )

    def get_json(self, prefix: str, name: str) -> Any:
        s3 = client("s3")
        try:
            body = s3.get_object(Bucket=self.bucket, Key=f"{prefix}/{name}")["Body"].read()
        except s3.exceptions.NoSuchKey as error:
            raise FileNotFoundError(f"{prefix}/{name}") from error
        return json.loads(gzip.decompress(body))


class SqsChunkQueue:
    """One message per shard on the import-chunks queue, worked by `import_chunk`."""

    def __init__(self, queue_url: str) -> None:
        self.queue_url = queue_url

    def enqueue(self, messages: list[dict[str, Any]]) -> None:
        sqs = client("sqs")
        for start in range(0, len(messages), 10):
            batch = messages[start : start + 10]
            response = sqs.send_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "MessageBody": json.dumps(m)} for i, m in enumerate(batch)],
            )
            if response.get("Failed"):
                raise RuntimeError(f"{len(response['Failed'])} import chunks could not be queued")
