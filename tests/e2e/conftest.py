"""Fixtures for the end-to-end tests: moto with the stack's resources, the Mollie emulator, and the
Chalice handlers driven through Chalice's test client with events shaped as AWS delivers them."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
import requests
from chalice.test import Client as ChaliceClient
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib import bootstrap
from chalicelib.domain.dossier import Dossier
from infra.local.demo_data import DEMO_CLIENT, DEMO_LIST, DEMO_MOLLIE_KEY
from infra.local.lambda_events import scheduled_event
from infra.local.login_pool import LoginPool, add_user, create_login_pool, id_token
from infra.local.mollie_emulator import MollieEmulator
from infra.local.provision import Provisioned
from tests.conftest import NAMES

REGION = "eu-west-1"
DAY_0 = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
LIST_KEY = f"incoming/{DEMO_CLIENT.client_id}/openstaande posten 30-11.csv"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
OWNER = ("penningmeester@zwaluwen.example", "Owner-Passw0rd-1")


@dataclass
class Pipeline:
    chalice: ChaliceClient
    aws: Provisioned
    mollie: MollieEmulator
    now: datetime
    login: LoginPool
    # The demo client's owner, signed in: what every client route needs.
    owner: dict[str, str]

    def upload(self, key: str = LIST_KEY, body: str = DEMO_LIST) -> None:
        boto3.client("s3", region_name=REGION).put_object(Bucket=NAMES.bucket, Key=key, Body=body.encode())

    def queued(self, queue_url: str) -> list[str]:
        sqs = boto3.client("sqs", region_name=REGION)
        bodies: list[str] = []
        while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
            for message in messages:
                bodies.append(message["Body"])
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        return bodies

    def deliver(self, function: str, queue: str, bodies: list[str]) -> None:
        for body in bodies:
            event = self.chalice.events.generate_sqs_event(queue_name=queue, message_bodies=[body])
            self.chalice.lambda_.invoke(function, event)

    def import_uploads(self) -> list[str]:
        bodies = self.queued(self.aws.uploads_queue_url)
        self.deliver("import_upload", NAMES.uploads_queue, bodies)
        # A large list comes back as one message per shard on the import-chunks queue.
        self.deliver("import_chunk", NAMES.import_chunks_queue, self.queued(self.aws.import_chunks_queue_url))
        return bodies

    def sweep_and_act(self, at: datetime) -> None:
        self.now = at
        self.chalice.lambda_.invoke("sweep_due", scheduled_event("debtflow-sweep_due", at))
        self.deliver("process_dossier_action", NAMES.actions_queue, self.queued(self.aws.actions_queue_url))

    def webhook(self, body: str, headers: dict[str, str] = FORM) -> Any:
        return self.chalice.http.post(f"/webhooks/mollie/{DEMO_CLIENT.client_id}", headers=headers, body=body)

    def open_link(self, checkout_url: str) -> str:
        """The debtor opens a Mollie payment link: Mollie makes a payment (no metadata) and sends
        them on to its checkout. Returns the payment's id."""
        page = requests.get(checkout_url, allow_redirects=False, timeout=5)
        assert page.status_code == 302, page.status_code
        return str(page.headers["Location"]).rstrip("/").rsplit("/", 1)[-1]

    def pay_link(self, checkout_url: str) -> str:
        payment_id = self.open_link(checkout_url)
        self.mollie.set_payment_status(payment_id, "paid")
        return payment_id

    def dossier(self, debtor_id: str) -> Dossier:
        found = bootstrap.dossier_repository().get(DEMO_CLIENT.client_id, debtor_id)
        assert found is not None
        return found


@pytest.fixture
def pipeline(aws: Provisioned, monkeypatch: pytest.MonkeyPatch) -> Iterator[Pipeline]:
    import app

    with MollieEmulator() as mollie, ChaliceClient(app.app, stage_name="local") as chalice:
        monkeypatch.setenv("MOLLIE_API_ENDPOINT", mollie.base_url)
        # Nothing listens there: the test hands Mollie's webhook to the API itself.
        monkeypatch.setenv("PUBLIC_API_URL", "http://127.0.0.1:9")
        monkeypatch.setenv("TABLE_NAME", NAMES.table)
        monkeypatch.setenv("UPLOADS_BUCKET", NAMES.bucket)
        monkeypatch.setenv("ACTIONS_QUEUE_URL", aws.actions_queue_url)
        monkeypatch.setenv("IMPORT_CHUNKS_QUEUE_URL", aws.import_chunks_queue_url)
        # The login pool first: bootstrap binds the table when the demo client is saved below.
        login = create_login_pool()
        for name, value in login.environment().items():
            monkeypatch.setenv(name, value)
        bootstrap.reset()
        mollie.add_account(DEMO_MOLLIE_KEY, name=DEMO_CLIENT.name)
        boto3.client("ssm", region_name=REGION).put_parameter(
            Name=DEMO_CLIENT.mollie_key_parameter, Value=DEMO_MOLLIE_KEY, Type="SecureString"
        )
        bootstrap.client_directory().save(DEMO_CLIENT)
        bootstrap.login_verifier()
        add_user(login, *OWNER, DEMO_CLIENT.client_id, "owner")
        owner = {"Content-Type": "application/json", "Authorization": f"Bearer {id_token(login, *OWNER)}"}
        line = Pipeline(chalice, aws, mollie, DAY_0, login, owner)
        monkeypatch.setattr(bootstrap, "clock", lambda: line.now)
        yield line


def sent_emails() -> list[Any]:
    return list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Everything a formatter could print: the message, the extras and any traceback.
        fields = {k: v for k, v in record.__dict__.items() if k not in ("args", "exc_info")}
        self.lines.append(json.dumps(fields, default=str))
        if record.exc_info:
            self.lines.append(logging.Formatter().formatException(record.exc_info))


@pytest.fixture
def captured() -> Iterator[Capture]:
    """Every record the app logs at INFO and above (what a stage keeps), ours and libraries'."""
    handler = Capture()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    # INFO is above what Lambda's runtime sets; DEBUG would add botocore's wire dumps, which no
    # stage enables (they would hold every e-mail sent).
    root.setLevel(logging.INFO)
    debtflow = logging.getLogger("debtflow")
    debtflow_level = debtflow.level
    debtflow.setLevel(logging.DEBUG)
    debtflow.addHandler(handler)
    yield handler
    root.removeHandler(handler)
    root.setLevel(previous)
    debtflow.removeHandler(handler)
    debtflow.setLevel(debtflow_level)
