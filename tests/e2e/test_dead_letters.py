"""`debtflow dlq`: messages that failed every delivery, read in words from moto's DLQs (which file,
which dossier, which error, how often, how old) without personal data, and put back after a fix."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import boto3
import pytest

import app
from chalicelib.adapters import dead_letters
from chalicelib.cli import main as debtflow
from chalicelib.services import import_upload as import_service
from infra.local.demo_data import DEMO_CLIENT, DEMO_LIST
from infra.local.lambda_events import LambdaContext, sqs_event
from tests.conftest import NAMES
from tests.e2e.conftest import LIST_KEY, Pipeline

REGION = "eu-west-1"
DEBTOR = "10023"  # a debtor of the demo list: its number must not be printed


def deliver_until_dead_lettered(queue_url: str, handler: Callable[..., Any]) -> int:
    """Lambda's event source, fast: every receive is a delivery (visibility 0); a message that
    fails `maxReceiveCount` times is moved to the DLQ by SQS (moto) on the next receive."""
    sqs = boto3.client("sqs", region_name=REGION)
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    failures = 0
    for _ in range(20):
        messages = sqs.receive_message(QueueUrl=queue_url, VisibilityTimeout=0, AttributeNames=["All"]).get(
            "Messages", []
        )
        if not messages:
            return failures
        try:
            handler(sqs_event(arn, messages), LambdaContext("debtflow-test"))
        except Exception:
            failures += 1
            continue
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=messages[0]["ReceiptHandle"])
    raise AssertionError("the queue never emptied")


@pytest.fixture
def queues(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> Pipeline:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("UPLOADS_DLQ_URL", pipeline.aws.uploads_dlq_url)
    monkeypatch.setenv("ACTIONS_DLQ_URL", pipeline.aws.actions_dlq_url)
    monkeypatch.setenv("IMPORT_CHUNKS_DLQ_URL", pipeline.aws.import_chunks_dlq_url)
    # The source queues are left unset: the tool asks SQS (ListDeadLetterSourceQueues).
    return pipeline


def depth(url: str) -> int:
    attributes = boto3.client("sqs", region_name=REGION).get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def report(name: str) -> dict[str, Any]:
    body = (
        boto3.client("s3", region_name=REGION)
        .get_object(Bucket=NAMES.bucket, Key=f"reports/{DEMO_CLIENT.client_id}/{name}.result.json")["Body"]
        .read()
    )
    loaded: dict[str, Any] = json.loads(body)
    return loaded


def test_a_failed_upload_is_shown_in_words_and_imported_after_the_fix_and_redrive(
    queues: Pipeline, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real_import = import_service._import
    broken = {"on": True}

    def import_unless_broken(*args: Any, **kwargs: Any) -> Any:
        if broken["on"]:
            raise TimeoutError("the table did not answer")
        return real_import(*args, **kwargs)

    monkeypatch.setattr(import_service, "_import", import_unless_broken)
    queues.upload()
    assert deliver_until_dead_lettered(queues.aws.uploads_queue_url, app.import_upload) == 3
    assert report(LIST_KEY.rsplit("/", 1)[1])["status"] == "failed"

    assert debtflow(["dlq", "list"]) == 0
    listed = capsys.readouterr().out
    assert "uploads: 1 dead letter\n" in listed
    assert "actions: 0 dead letters" in listed and "import-chunks: 0 dead letters" in listed
    assert f"file openstaande posten 30-11.csv of client {DEMO_CLIENT.client_id} (incoming/)" in listed
    assert "error: TimeoutError in import_upload on delivery 3" in listed
    assert "min old, received 4 times" in listed  # three deliveries and the DLQ's look

    assert debtflow(["dlq", "show", "uploads"]) == 0
    shown = capsys.readouterr().out
    assert "what to do: The client got a 'failed' report" in shown
    rows = [line.split(";") for line in DEMO_LIST.splitlines()[2:] if line[:1].isdigit()]
    for number, name, _, email, *_ in rows:  # no debtor number, name or e-mail address of the list
        assert not re.search(rf"\b{number}\b", listed + shown)
        assert name not in listed + shown and (not email or email not in listed + shown)
    assert depth(queues.aws.uploads_dlq_url) == 1, "looking leaves the message where it is"

    broken["on"] = False
    assert debtflow(["dlq", "redrive", "uploads"]) == 0
    assert capsys.readouterr().out == "uploads: 1 message put back (copy)\n"
    assert depth(queues.aws.uploads_dlq_url) == 0
    assert deliver_until_dead_lettered(queues.aws.uploads_queue_url, app.import_upload) == 0
    imported = report(LIST_KEY.rsplit("/", 1)[1])
    assert (imported["status"], imported["dossiers_opened"]) == ("imported", len({row[0] for row in rows}))
    assert depth(queues.aws.uploads_queue_url) == 0


def test_a_dossier_step_names_the_dossier_by_reference_never_by_debtor_number(
    queues: Pipeline, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib.services import dossier_actions

    def throttled(*args: Any, **kwargs: Any) -> Any:
        from botocore.exceptions import ClientError

        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": DEBTOR}}, "SendEmail")

    monkeypatch.setattr(dossier_actions, "run_due_action", throttled)
    sqs = boto3.client("sqs", region_name=REGION)
    body = json.dumps({"client_id": DEMO_CLIENT.client_id, "debtor_id": DEBTOR})
    sqs.send_message(QueueUrl=queues.aws.actions_queue_url, MessageBody=body)
    assert deliver_until_dead_lettered(queues.aws.actions_queue_url, app.process_dossier_action) == 5

    assert debtflow(["dlq", "show", "actions"]) == 0
    shown = capsys.readouterr().out
    ref = app.dossier_ref(DEMO_CLIENT.client_id, DEBTOR)
    assert f"the next step of dossier {DEMO_CLIENT.client_id}/{ref}" in shown
    assert (
        "error:     ClientError ThrottlingException from SendEmail in process_dossier_action on delivery 5"
        in shown
    )
    assert DEBTOR not in shown


class NetworkGoesAway:
    """SQS whose second send_message fails."""

    def __init__(self, sqs: Any) -> None:
        self.sqs = sqs
        self.sent = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sqs, name)

    def send_message(self, **kwargs: Any) -> Any:
        self.sent += 1
        if self.sent > 1:
            raise ConnectionError("the network went away")
        return self.sqs.send_message(**kwargs)


def test_a_redrive_whose_send_fails_loses_nothing(queues: Pipeline) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    for debtor in ("1", "2"):
        body = json.dumps({"client_id": DEMO_CLIENT.client_id, "debtor_id": debtor})
        sqs.send_message(QueueUrl=queues.aws.actions_dlq_url, MessageBody=body)
    pair = dead_letters.QueuePair("actions", queues.aws.actions_dlq_url, queues.aws.actions_queue_url)
    queue = dead_letters.DeadLetterQueue(pair, NetworkGoesAway(sqs), lambda key: None)

    with pytest.raises(ConnectionError):
        queue.redrive()
    # One went back, the other is still in the DLQ and visible at once for the next try.
    assert depth(queues.aws.actions_queue_url) == 1
    assert len(sqs.receive_message(QueueUrl=queues.aws.actions_dlq_url).get("Messages", [])) == 1


def test_the_message_id_option_redrives_only_that_message(
    queues: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    ids = [
        sqs.send_message(
            QueueUrl=queues.aws.actions_dlq_url,
            MessageBody=json.dumps({"client_id": DEMO_CLIENT.client_id, "debtor_id": debtor}),
        )["MessageId"]
        for debtor in ("1", "2", "3")
    ]
    assert debtflow(["dlq", "redrive", "actions", "--message-id", ids[1]]) == 0
    assert capsys.readouterr().out == "actions: 1 message put back (copy)\n"
    [moved] = sqs.receive_message(QueueUrl=queues.aws.actions_queue_url).get("Messages", [])
    assert json.loads(moved["Body"])["debtor_id"] == "2"
    assert depth(queues.aws.actions_dlq_url) == 2


def test_without_queues_configured_the_tool_says_so(
    aws: object, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("UPLOADS_DLQ_URL", "ACTIONS_DLQ_URL", "IMPORT_CHUNKS_DLQ_URL"):
        monkeypatch.delenv(name, raising=False)
    assert debtflow(["dlq", "list"]) == 2
    assert "no dead-letter queue found in the environment" in capsys.readouterr().err


def test_a_chunk_and_an_unreadable_message_are_described_in_words() -> None:
    chunk = json.dumps({"client_id": "club", "key": "incoming/club/leden.csv", "etag": "e", "shard": 7})
    assert (
        dead_letters.describe("import-chunks", chunk)
        == "shard 7 of file leden.csv of client club (incoming/)"
    )
    assert dead_letters.describe("actions", "{not json") == "an unreadable message (9 characters)"
    assert dead_letters.describe("uploads", json.dumps({"Event": "s3:TestEvent"})) == (
        "S3's test message (nothing to import)"
    )
