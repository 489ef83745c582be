"""The demo story as a list of recorded events, delivered the way AWS and Mollie may deliver them.

Steps: the list's S3 notification (SQS), the day-0 sweep (schedule), its action messages (SQS), a
bounce of one reminder (SES via SNS), a paid link's webhook (Mollie), the day-7 sweep and its action
messages. Every event is recorded as it is produced and handed to its handler through the real
Chalice entry points, with events shaped as AWS delivers them.

Delivery follows what at-least-once allows: a failed delivery is retried (SQS up to the queue's
maxReceiveCount, Mollie's webhook up to 10 times, a failed schedule by the next run); `twice`
delivers every event a second time; `shuffle` mixes the order within a step and lets half of the
second copies arrive late, in the next step. Causality stays: no action message before the sweep
that queued it, no webhook before the payment.

Faults are injected at the ports: botocore calls (DynamoDB, S3, SES, SNS) through a wrapper of
`BaseClient._make_api_call` (no SDK retry sees them: as if every retry failed), Mollie through the
emulator's `fail_next`/`delay_next`. A fault is armed for one step and fires on the first matching
call of that step; it then clears, and redeliveries carry the story on.
"""

from __future__ import annotations

import email
import email.header
import json
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import boto3
import botocore.client
from botocore.exceptions import ClientError, ReadTimeoutError
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

from chalicelib import bootstrap
from infra.local.demo_data import DEMO_CLIENT, DEMO_MOLLIE_KEY
from infra.local.lambda_events import LambdaContext, scheduled_event, sns_event, sqs_event
from tests.e2e.conftest import DAY_0, FORM, REGION, Pipeline
from tests.unit.test_email_feedback import ses_bounce

STEPS = ("import", "sweep day 0", "actions day 0", "bounce", "webhook", "sweep day 7", "actions day 7")
PAYER = "10001"  # pays the day-0 link
BOUNCED = ("10008", "lotte.bakker@example.nl")  # her e-mail bounces: day 7 goes by SMS
DELIVERIES = {"uploads": 3, "actions": 5, "schedule": 3, "sns": 3, "webhook": 10}


@dataclass(frozen=True)
class Fault:
    name: str
    service: str  # botocore service name, or "mollie"
    operations: tuple[str, ...]  # botocore operations it hits (empty: any of the service)
    kind: str  # raise | lost-response | slow | mollie-status | mollie-delay
    code: str = ""
    status: int = 0
    seconds: float = 0.0


FAULTS = (
    Fault("DynamoDB throttled", "dynamodb", (), "raise", "ProvisionedThroughputExceededException", 400),
    Fault(
        "DynamoDB condition fails",
        "dynamodb",
        ("TransactWriteItems", "PutItem", "UpdateItem"),
        "raise",
        "ConditionalCheckFailedException",
        400,
    ),
    Fault(
        "DynamoDB write, response lost",
        "dynamodb",
        ("TransactWriteItems", "PutItem", "UpdateItem"),
        "lost-response",
    ),
    Fault("S3 500", "s3", (), "raise", "InternalError", 500),
    Fault("S3 slow (0.3 s)", "s3", (), "slow", seconds=0.3),
    Fault("SES throttled", "sesv2", ("SendEmail",), "raise", "TooManyRequestsException", 429),
    Fault("SES rejects", "sesv2", ("SendEmail",), "raise", "MessageRejected", 400),
    Fault("SNS throttled", "sns", ("Publish",), "raise", "Throttling", 400),
    Fault("SNS rejects", "sns", ("Publish",), "raise", "InvalidParameter", 400),
    Fault("Mollie 500", "mollie", (), "mollie-status", status=500),
    Fault("Mollie 429", "mollie", (), "mollie-status", status=429),
    Fault("Mollie timeout", "mollie", (), "mollie-delay", seconds=0.6),
    Fault("Mollie slow (0.2 s)", "mollie", (), "mollie-delay", seconds=0.2),
)
# Our read timeout towards Mollie during the chaos runs: "timeout" waits past it, "slow" does not.
MOLLIE_READ_TIMEOUT = 0.4


class Injector:
    """Arms one botocore fault for one step; records which services each step calls."""

    def __init__(self) -> None:
        self.step = ""
        self.armed: Fault | None = None
        self.in_handler = False  # faults hit our handlers' calls, not the story driver's own
        self.fired = 0
        self.calls: dict[str, Counter[str]] = {}

    def matches(self, fault: Fault, service: str, operation: str) -> bool:
        return fault.service == service and (not fault.operations or operation in fault.operations)

    @contextmanager
    def installed(self) -> Iterator[None]:
        original = botocore.client.BaseClient._make_api_call
        injector = self

        def call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            service = client.meta.service_model.service_name
            injector.calls.setdefault(injector.step, Counter())[f"{service}:{operation}"] += 1
            fault = injector.armed
            if fault is None or not injector.in_handler or not injector.matches(fault, service, operation):
                return original(client, operation, params)
            injector.armed = None  # fires once, then the fault has cleared
            injector.fired += 1
            if fault.kind == "slow":
                time.sleep(fault.seconds)
                return original(client, operation, params)
            if fault.kind == "lost-response":
                original(client, operation, params)
                raise ReadTimeoutError(endpoint_url=f"https://{service}.{REGION}.amazonaws.com")
            raise ClientError(
                {
                    "Error": {"Code": fault.code, "Message": "injected"},
                    "ResponseMetadata": {"HTTPStatusCode": fault.status},
                },
                operation,
            )

        botocore.client.BaseClient._make_api_call = call  # type: ignore[method-assign]
        try:
            yield
        finally:
            botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]


@contextmanager
def world(monkeypatch: Any) -> Iterator[Pipeline]:
    """A fresh stack (moto with the stack's resources, the Mollie emulator, the Chalice app), as the
    `aws` and `pipeline` fixtures build it; one per run, so runs can be compared."""
    from chalice.test import Client as ChaliceClient
    from moto import mock_aws

    import app
    from chalicelib.adapters import table
    from infra.local.demo_data import DEMO_LIST  # noqa: F401 - the story uploads it
    from infra.local.login_pool import add_user, create_login_pool, id_token
    from infra.local.mollie_emulator import MollieEmulator
    from infra.local.provision import provision
    from tests.conftest import NAMES
    from tests.e2e.conftest import OWNER

    with mock_aws(), MollieEmulator() as mollie, ChaliceClient(app.app, stage_name="local") as chalice:
        provisioned = provision(NAMES)
        for name, value in {
            "TABLE_NAME": NAMES.table,
            "UPLOADS_BUCKET": NAMES.bucket,
            "ACTIONS_QUEUE_URL": provisioned.actions_queue_url,
            "IMPORT_CHUNKS_QUEUE_URL": provisioned.import_chunks_queue_url,
            "MOLLIE_API_ENDPOINT": mollie.base_url,
            "PUBLIC_API_URL": "http://127.0.0.1:9",
        }.items():
            monkeypatch.setenv(name, value)
        # The login pool first, as the e2e pipeline does: the Pipeline carries a signed-in owner.
        login = create_login_pool()
        for name, value in login.environment().items():
            monkeypatch.setenv(name, value)
        table.bind(NAMES.table)
        bootstrap.reset()
        mollie.add_account(DEMO_MOLLIE_KEY, name=DEMO_CLIENT.name)
        boto3.client("ssm", region_name=REGION).put_parameter(
            Name=DEMO_CLIENT.mollie_key_parameter, Value=DEMO_MOLLIE_KEY, Type="SecureString"
        )
        bootstrap.client_directory().save(DEMO_CLIENT)
        add_user(login, *OWNER, DEMO_CLIENT.client_id, "owner")
        owner = {"Content-Type": "application/json", "Authorization": f"Bearer {id_token(login, *OWNER)}"}
        line = Pipeline(chalice, provisioned, mollie, DAY_0, login, owner)
        monkeypatch.setattr(bootstrap, "clock", lambda: line.now)
        monkeypatch.setattr(bootstrap.payment_gateway(), "_timeout", (3, MOLLIE_READ_TIMEOUT))
        try:
            yield line
        finally:
            bootstrap.reset()


@dataclass
class Outcome:
    dossiers: dict[str, tuple[str, int, int, int]]  # debtor -> status, open, paid, messages
    emails: Counter[tuple[str, str]]  # (to, subject) -> times sent
    sms: Counter[str]  # phone -> times sent
    links: dict[str, int | None]  # debtor -> amount of its current payment link
    mollie_links: int  # payment links Mollie holds
    lost: list[str] = field(default_factory=list)  # events that no delivery got through


@dataclass
class Story:
    pipeline: Pipeline
    twice: bool = False
    rng: random.Random | None = None
    injector: Injector = field(default_factory=Injector)
    fault: Fault | None = None  # armed at the start of every step, fires once per step
    fired: dict[str, bool] = field(default_factory=dict)  # step -> the fault fired there
    lost: list[str] = field(default_factory=list)
    carried: list[tuple[str, Callable[[], bool]]] = field(default_factory=list)

    # ------------------------------------------------------------------------------ delivering

    def _attempts(self, label: str, deliver: Callable[[], bool], limit: int) -> None:
        for _ in range(limit):
            self.injector.in_handler = True
            try:
                if deliver():
                    return
            except Exception:
                continue
            finally:
                self.injector.in_handler = False
        self.lost.append(label)

    def _deliver_all(self, events: list[tuple[str, Callable[[], bool], int]]) -> None:
        """Each event once, or twice, in order or shuffled; half of the second copies late."""
        plan: list[tuple[str, Callable[[], bool], int]] = list(events)
        late: list[tuple[str, Callable[[], bool]]] = []
        if self.twice:
            for label, deliver, limit in events:
                if self.rng is not None and self.rng.random() < 0.5:
                    late.append((label + " (late copy)", deliver))
                else:
                    plan.append((label + " (copy)", deliver, limit))
        plan += [(label, deliver, 5) for label, deliver in self.carried]
        self.carried = late
        if self.rng is not None:
            self.rng.shuffle(plan)
        for label, deliver, limit in plan:
            self._attempts(label, deliver, limit)

    def _sqs(
        self, queue_url: str, handler: Callable[..., Any], kind: str
    ) -> list[tuple[str, Callable[[], bool], int]]:
        sqs = boto3.client("sqs", region_name=REGION)
        arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        events = []
        receives = Counter[str]()  # per message: its ApproximateReceiveCount
        for number, body in enumerate(self.pipeline.queued(queue_url)):

            def deliver(body: str = body, key: str = f"{kind}{number}") -> bool:
                receives[key] += 1
                message = {
                    "MessageId": f"{key}-{receives[key]}",
                    "ReceiptHandle": "r",
                    "Body": body,
                    "Attributes": {"ApproximateReceiveCount": str(receives[key])},
                }
                handler(sqs_event(arn, [message]), LambdaContext(f"debtflow-chaos-{kind}"))
                return True

            events.append((f"{kind} message {number}", deliver, DELIVERIES[kind]))
        return events

    # ------------------------------------------------------------------------------ the story

    @contextmanager
    def _step(self, name: str) -> Iterator[None]:
        self.injector.step = name
        mollie = self.pipeline.mollie
        fired_before = self.injector.fired
        if self.fault is not None:
            if self.fault.kind == "mollie-status":
                mollie.fail_next(1, self.fault.status)
            elif self.fault.kind == "mollie-delay":
                mollie.delay_next(1, self.fault.seconds)
            else:
                self.injector.armed = self.fault
        try:
            yield
        finally:
            if self.fault is not None:
                if self.fault.service == "mollie":
                    self.fired[name] = not mollie._faults and not mollie._delays
                else:
                    self.fired[name] = self.injector.fired > fired_before
            self.injector.armed = None
            mollie.clear_faults()

    def play(self) -> Outcome:
        import app

        pipeline = self.pipeline
        with self.injector.installed():
            with self._step("import"):
                pipeline.upload()
                self._deliver_all(self._sqs(pipeline.aws.uploads_queue_url, app.import_upload, "uploads"))
            self._sweep_and_act(DAY_0, "day 0")
            with self._step("bounce"):
                self._deliver_all([self._bounce()])
            with self._step("webhook"):
                self._deliver_all([self._webhook()])
            self._sweep_and_act(DAY_0 + timedelta(days=7), "day 7")
            self.injector.step = "late copies"
            self._deliver_all([])
        return self.outcome()

    def _sweep_and_act(self, at: datetime, day: str) -> None:
        import app

        self.pipeline.now = at
        with self._step(f"sweep {day}"):

            def sweep() -> bool:
                app.sweep_due(scheduled_event("debtflow-chaos-sweep_due", at), LambdaContext("sweep"))
                return True

            self._deliver_all([(f"schedule {day}", sweep, DELIVERIES["schedule"])])
        with self._step(f"actions {day}"):
            self._deliver_all(
                self._sqs(self.pipeline.aws.actions_queue_url, app.process_dossier_action, "actions")
            )

    def _bounce(self) -> tuple[str, Callable[[], bool], int]:
        import app

        debtor, address = BOUNCED
        sent = [m for m in self.pipeline.dossier(debtor).messages if m.channel == "email" and m.provider_id]
        if not sent:
            return (
                "SES bounce via SNS (no e-mail of the bounced debtor was recorded as sent)",
                lambda: False,
                1,
            )
        email = sent[-1]
        topic = f"arn:aws:sns:{REGION}:123456789012:{app.EMAIL_EVENTS_TOPIC}"
        event = sns_event(
            topic, ses_bounce(str(email.provider_id), address=address), "SES", self.pipeline.now
        )

        def deliver() -> bool:
            app.ses_feedback(event, LambdaContext("debtflow-chaos-ses_feedback"))
            return True

        return ("SES bounce via SNS", deliver, DELIVERIES["sns"])

    def _webhook(self) -> tuple[str, Callable[[], bool], int]:
        link = self.pipeline.dossier(PAYER).payment_link
        assert link is not None
        # Paying outside the armed step: the fault is for our webhook's call to Mollie.
        armed = self.pipeline.mollie._faults[:], self.pipeline.mollie._delays[:]
        self.pipeline.mollie.clear_faults()
        payment_id = self.pipeline.pay_link(link.checkout_url)
        self.pipeline.mollie._faults.extend(armed[0])
        self.pipeline.mollie._delays.extend(armed[1])

        def deliver() -> bool:
            answer = self.pipeline.chalice.http.post(
                f"/webhooks/mollie/{DEMO_CLIENT.client_id}", headers=FORM, body=f"id={payment_id}"
            )
            return bool(answer.status_code == 200)  # anything else: Mollie calls again later

        return ("Mollie webhook", deliver, DELIVERIES["webhook"])

    # ------------------------------------------------------------------------------ the outcome

    def outcome(self) -> Outcome:
        dossiers = bootstrap.dossier_repository().list_for_client(DEMO_CLIENT.client_id)
        emails: Counter[tuple[str, str]] = Counter()
        for message in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages:
            emails[addressed(message)] += 1
        sms: Counter[str] = Counter()
        for phone, *_ in sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values():
            sms[str(phone)] += 1
        return Outcome(
            dossiers={
                d.debtor_id: (d.status.value, d.open_cents, d.paid_cents, len(d.messages)) for d in dossiers
            },
            emails=emails,
            sms=sms,
            links={d.debtor_id: d.payment_link.amount_cents if d.payment_link else None for d in dossiers},
            mollie_links=len(self.pipeline.mollie.payment_links_of(DEMO_MOLLIE_KEY)),
            lost=list(self.lost),
        )


def addressed(message: Any) -> tuple[str, str]:
    """(recipients, subject) of a message moto's SES recorded, simple or raw (with attachments)."""
    destinations = getattr(message, "destinations", None) or {}
    if isinstance(destinations, dict):
        to = sorted(destinations.get("ToAddresses", []))
    else:
        to = sorted(str(d) for d in destinations)
    subject = getattr(message, "subject", None)
    if subject is None:
        raw = getattr(message, "raw_data", "")
        parsed = email.message_from_string(raw if isinstance(raw, str) else raw.decode())
        subject = str(email.header.make_header(email.header.decode_header(parsed.get("Subject", ""))))
    return ",".join(to), str(subject)


def differences(clean: Outcome, other: Outcome) -> list[str]:
    found = []
    if other.lost:
        found.append(f"lost: {', '.join(other.lost)}")
    for debtor, state in sorted(clean.dossiers.items()):
        if other.dossiers.get(debtor) != state:
            found.append(f"dossier {debtor}: {other.dossiers.get(debtor)} instead of {state}")
    if other.emails != clean.emails:
        extra = other.emails - clean.emails
        missing = clean.emails - other.emails
        found.append(f"e-mails: {sum(extra.values())} extra, {sum(missing.values())} missing")
    if other.sms != clean.sms:
        found.append(f"SMS: {dict(other.sms)} instead of {dict(clean.sms)}")
    if other.links != clean.links:
        found.append("payment link amounts differ")
    if other.mollie_links != clean.mollie_links:
        found.append(f"Mollie holds {other.mollie_links} links instead of {clean.mollie_links}")
    return found


def summary(outcome: Outcome) -> str:
    return json.dumps(
        {
            "dossiers": len(outcome.dossiers),
            "emails": sum(outcome.emails.values()),
            "sms": sum(outcome.sms.values()),
            "mollie_links": outcome.mollie_links,
        }
    )
