"""The uploads bucket: clients' files in, reports and outbox out."""

from __future__ import annotations

from typing import Any, BinaryIO, cast

from chalicelib.adapters.aws_clients import client


class S3FileStore:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def open(self, key: str) -> BinaryIO:
        # The body streams: a large list is parsed as it downloads, never held whole in memory.
        s3 = client("s3")
        try:
            response: dict[str, Any] = s3.get_object(Bucket=self.bucket, Key=key)
        except s3.exceptions.NoSuchKey as error:
            raise FileNotFoundError(key) from error
        return cast(BinaryIO, response["Body"])

    def size(self, key: str) -> int:
        return int(client("s3").head_object(Bucket=self.bucket, Key=key)["ContentLength"])

    def put(self, key: str, body: bytes, content_type: str) -> None:
        client("s3").put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)

    def delete(self, key: str) -> None:
        client("s3").delete_object(Bucket=self.bucket, Key=key)  # S3 answers 204 for a missing key too


RESULT_SUFFIX = ".result.json"


class S3ImportReports:
    """The result.json beside each upload in `reports/<client>/`, newest first. Listing reads only
    the client's prefix (1,000 keys a request); the bucket's lifecycle keeps it short."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def recent(self, client_id: str, limit: int) -> list[tuple[str, dict[str, Any]]]:
        import json

        s3 = client("s3")
        prefix = f"reports/{client_id}/"
        found: list[tuple[str, str]] = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            for entry in page.get("Contents", []):
                key = str(entry["Key"])
                if key.endswith(RESULT_SUFFIX):
                    found.append((entry["LastModified"].isoformat(), key))
        found.sort(reverse=True)
        reports = []
        for _, key in found[:limit]:
            body = s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            reports.append((key[len(prefix) : -len(RESULT_SUFFIX)], json.loads(body)))
        return reports
