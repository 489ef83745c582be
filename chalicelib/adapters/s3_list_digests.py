"""The per-debtor fingerprints of a client's last full list, as gzipped JSON shards in the uploads
bucket (`state/<client>/list-digests/<shard>.json.gz`). S3, not the table: an unchanged re-import
reads these objects and makes no DynamoDB request for the debtors at all."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable

from chalicelib.adapters.aws_clients import client


def digest_key(client_id: str, shard: int) -> str:
    return f"state/{client_id}/list-digests/{shard:02d}.json.gz"


class S3ListDigests:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def load(self, client_id: str, shards: Iterable[int]) -> dict[str, str]:
        s3 = client("s3")
        found: dict[str, str] = {}
        for shard in shards:
            try:
                body = s3.get_object(Bucket=self.bucket, Key=digest_key(client_id, shard))["Body"].read()
            except s3.exceptions.NoSuchKey:
                continue
            found.update(json.loads(gzip.decompress(body)))
        return found

    def save(self, client_id: str, shard: int, digests: dict[str, str]) -> None:
        body = gzip.compress(json.dumps(digests, separators=(",", ":")).encode("utf-8"), mtime=0)
        client("s3").put_object(
            Bucket=self.bucket,
            Key=digest_key(client_id, shard),
            Body=body,
            ContentType="application/json",
            ContentEncoding="gzip",
        )
