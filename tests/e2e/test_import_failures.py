"""A failure of ours while importing an upload, through the handler with a real-shaped SQS event:
retried quietly, and on the last delivery the client is told before the message is dead-lettered."""

from __future__ import annotations

import json

import boto3
import pytest

from chalicelib.services import import_upload as import_service
from chalicelib.services.report_language import translate_reason
from infra.local.demo_data import DEMO_CLIENT
from tests.conftest import NAMES
from tests.e2e.conftest import LIST_KEY, Pipeline

REGION = "eu-west-1"


def deliver(pipeline: Pipeline, body: str, receive_count: int) -> None:
    event = pipeline.chalice.events.generate_sqs_event(queue_name=NAMES.uploads_queue, message_bodies=[body])
    event["Records"][0]["attributes"]["ApproximateReceiveCount"] = str(receive_count)
    pipeline.chalice.lambda_.invoke("import_upload", event)


def reports() -> list[str]:
    listed = boto3.client("s3", region_name=REGION).list_objects_v2(
        Bucket=NAMES.bucket, Prefix=f"reports/{DEMO_CLIENT.client_id}/"
    )
    return [item["Key"] for item in listed.get("Contents", [])]


def test_the_last_delivery_of_a_failing_upload_writes_a_report_and_raises(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fails(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a fault of ours")

    monkeypatch.setattr(import_service, "_import", fails)
    pipeline.upload()
    # moto sends an s3:TestEvent first; the upload's own notification carries Records.
    [body] = [b for b in pipeline.queued(pipeline.aws.uploads_queue_url) if "Records" in json.loads(b)]
    with pytest.raises(RuntimeError):
        deliver(pipeline, body, receive_count=1)
    assert reports() == []
    with pytest.raises(RuntimeError):
        deliver(pipeline, body, receive_count=import_service.UPLOAD_DELIVERIES)
    name = LIST_KEY.rsplit("/", 1)[1]
    report = json.loads(
        boto3.client("s3", region_name=REGION)
        .get_object(Bucket=NAMES.bucket, Key=f"reports/{DEMO_CLIENT.client_id}/{name}.result.json")["Body"]
        .read()
    )
    assert report["status"] == "failed"
    assert report["error"] == translate_reason(import_service.FAILED_REASON, DEMO_CLIENT.language)
    assert report["error"].startswith("Wij konden dit bestand niet verwerken")
