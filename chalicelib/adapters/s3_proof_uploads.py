"""Proof of payment straight from the debtor's browser to the uploads bucket (a presigned POST):
the file never passes through the API (API Gateway would cap it at 10 MB and bill the time), and
S3 enforces the signed policy (exact key, exact Content-Type, size range) before it stores it."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.aws_clients import client
from chalicelib.services.ports import UploadForm


class S3ProofUploads:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def form(
        self, key: str, content_type: str, max_bytes: int, redirect_url: str, valid_seconds: int
    ) -> UploadForm:
        fields = {"Content-Type": content_type, "success_action_redirect": redirect_url}
        conditions: list[Any] = [
            {"Content-Type": content_type},
            {"success_action_redirect": redirect_url},
            ["content-length-range", 1, max_bytes],
        ]
        signed: dict[str, Any] = client("s3").generate_presigned_post(
            Bucket=self.bucket, Key=key, Fields=fields, Conditions=conditions, ExpiresIn=valid_seconds
        )
        return UploadForm(str(signed["url"]), tuple((str(k), str(v)) for k, v in signed["fields"].items()))

    def head(self, key: str, size: int) -> tuple[bytes, int]:
        s3 = client("s3")
        try:
            response: dict[str, Any] = s3.get_object(Bucket=self.bucket, Key=key, Range=f"bytes=0-{size - 1}")
        except s3.exceptions.NoSuchKey as error:
            raise FileNotFoundError(key) from error
        except s3.exceptions.ClientError as error:
            # S3 answers an empty file's byte range with 416 InvalidRange.
            if error.response.get("Error", {}).get("Code") == "InvalidRange":
                return b"", 0
            raise
        body = response["Body"]
        try:
            head = bytes(body.read(size))
        finally:
            body.close()
        # ContentRange is "bytes 0-7/123456": the total after the slash.
        total = str(response.get("ContentRange", "")).rpartition("/")[2]
        return head, int(total) if total.isdigit() else int(response["ContentLength"])

    def discard(self, key: str) -> None:
        # A plain delete in a versioned bucket leaves the bytes as a noncurrent version; a refused
        # file must really go, so each version of exactly this key is deleted.
        s3 = client("s3")
        listed = s3.list_object_versions(Bucket=self.bucket, Prefix=key)
        for entry in (*listed.get("Versions", ()), *listed.get("DeleteMarkers", ())):
            if entry["Key"] == key:
                s3.delete_object(Bucket=self.bucket, Key=key, VersionId=entry["VersionId"])
