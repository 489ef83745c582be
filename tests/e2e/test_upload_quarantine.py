"""Odd upload keys through the real handler end in quarantine/, never in a client's reports."""

from __future__ import annotations

import json
from urllib.parse import quote_plus

import boto3
import pytest

from chalicelib import bootstrap
from infra.local.demo_data import DEMO_CLIENT
from tests.conftest import NAMES
from tests.e2e.conftest import REGION, Pipeline

CLIENT = DEMO_CLIENT.client_id


def notification(key: str, bucket: str = NAMES.bucket) -> str:
    """S3's ObjectCreated notification for `key`, URL-encoded as S3 sends it."""
    return json.dumps(
        {
            "Records": [
                {
                    "eventVersion": "2.1",
                    "eventSource": "aws:s3",
                    "awsRegion": REGION,
                    "eventName": "ObjectCreated:Put",
                    "s3": {
                        "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                        "object": {"key": quote_plus(key, safe="/"), "size": 10, "eTag": "0123abcd"},
                    },
                }
            ]
        }
    )


def keys_under(prefix: str) -> list[str]:
    listed = boto3.client("s3", region_name=REGION).list_objects_v2(Bucket=NAMES.bucket, Prefix=prefix)
    return [o["Key"] for o in listed.get("Contents", [])]


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        (f"incoming/{CLIENT}/../../reports/{CLIENT}/leden.csv", "'..'"),
        (f"incoming/{CLIENT}//leden.csv", "empty"),
        (f"incoming/{CLIENT}/./leden.csv", "'.'"),
        (f"incoming/{CLIENT}/leden\n.csv", "control characters"),
        ("incoming/Sportpark De Zwaluwen/leden.csv", "client id"),
        ("incoming/onbekende-club/leden.csv", "no client is registered"),
    ],
)
def test_an_odd_upload_key_is_quarantined_before_anything_reads_it(
    pipeline: Pipeline, key: str, reason: str
) -> None:
    pipeline.upload()  # the ordinary list, so that an odd key naming it could find something
    pipeline.queued(pipeline.aws.uploads_queue_url)  # not imported: only the odd key is delivered
    pipeline.deliver("import_upload", NAMES.uploads_queue, [notification(key)])

    assert keys_under("reports/") == []
    [report_key] = keys_under("quarantine/")
    report = json.loads(
        boto3.client("s3", region_name=REGION).get_object(Bucket=NAMES.bucket, Key=report_key)["Body"].read()
    )
    assert reason in report["reason"]
    assert report["key_escaped"] == key.encode("unicode_escape").decode("ascii")
    assert bootstrap.dossier_repository().list_for_client(CLIENT) == []


def test_an_ordinary_key_is_still_imported(pipeline: Pipeline) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    assert keys_under("quarantine/") == []
    assert keys_under(f"reports/{CLIENT}/")
