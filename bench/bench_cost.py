"""What a month costs on AWS for 1,000 dossiers: request counts measured by playing a generated
debtor list through the real handlers (the simulation engine on moto and the Mollie emulator),
priced with the list prices in bench/aws_prices.json. Infrastructure and messaging apart.

Measured here: every AWS API request the handlers make (botocore, so PynamoDB's too), DynamoDB
request units estimated from the items' sizes, each handler's invocations and its run time on
this machine, e-mails and SMS sent, Mollie webhooks (API Gateway requests). Modelled: what runs
whatever the volume (96 sweeps a day, the daily reconciliation, the SQS pollers of Lambda's event
sources, the KMS key, the alarms), from the measured cost of one empty sweep. Not priced: letters
(the print-and-post partner's bill) and Mollie's transaction fees (the client's own contract).
"""

from __future__ import annotations

import json
import math
import os
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

PRICES = Path(__file__).with_name("aws_prices.json")
CONFIG = Path(__file__).resolve().parents[1] / ".chalice" / "config.json"
RESOURCES = Path(__file__).resolve().parents[1] / "infra" / "resources.json"
# 50 keeps `make bench` at about two minutes here; BENCH_COST_DOSSIERS=200 for a larger sample.
DOSSIERS = int(os.environ.get("BENCH_COST_DOSSIERS", "50"))
DAYS = 30
PER = 1000
START = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
SWEEPS_PER_MONTH = 4 * 24 * 30
RECONCILIATIONS_PER_MONTH = 30
# Lambda's SQS event source long-polls each queue with about 5 pollers, a ReceiveMessage each per
# 20 s when idle (AWS Lambda docs, "Using Lambda with Amazon SQS"): 648,000 requests per queue.
IDLE_POLLS_PER_QUEUE_MONTH = 5 * 3 * 60 * 24 * 30
POLLED_QUEUES = 3
HANDLERS = (
    "import_upload",
    "import_chunk",
    "sweep_due",
    "process_dossier_action",
    "reconcile_payments",
    "ses_feedback",
)
_WRITES = {"PutItem", "UpdateItem", "DeleteItem"}
_S3_PUTS = {"PutObject", "CopyObject", "ListObjectsV2", "ListObjects", "CreateMultipartUpload", "UploadPart"}


@dataclass
class Measured:
    dossiers: int
    days: int
    requests: Counter[tuple[str, str]] = field(default_factory=Counter)
    write_units: float = 0.0
    read_units: float = 0.0
    invocations: Counter[str] = field(default_factory=Counter)
    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    emails: int = 0
    sms: int = 0
    letters: int = 0
    webhooks: int = 0
    empty_sweep_requests: int = 0
    empty_sweep_read_units: float = 0.0
    empty_sweep_seconds: float = 0.0


def _size_kb(value: Any) -> float:
    return len(json.dumps(value, default=str)) / 1024


def _units(operation: str, kwargs: dict[str, Any], result: Any) -> tuple[float, float]:
    """(write units, read units) of one DynamoDB request, from the sizes of the items it carries."""
    if operation in _WRITES:
        return max(1, math.ceil(_size_kb(kwargs.get("Item") or kwargs.get("Key")))), 0.0
    if operation == "TransactWriteItems":
        return sum(2 * max(1, math.ceil(_size_kb(i))) for i in kwargs.get("TransactItems", [])), 0.0
    if operation == "BatchWriteItem":
        return sum(
            max(1, math.ceil(_size_kb(r))) for rs in kwargs.get("RequestItems", {}).values() for r in rs
        ), 0.0
    if not isinstance(result, dict):
        return 0.0, 0.0
    if operation == "GetItem":
        return 0.0, max(1, math.ceil(_size_kb(result.get("Item", {})) / 4))
    if operation in ("Query", "Scan"):
        return 0.0, max(1, math.ceil(sum(_size_kb(i) for i in result.get("Items", [])) / 4))
    if operation == "BatchGetItem":
        return 0.0, sum(
            max(1, math.ceil(_size_kb(i) / 4))
            for items in result.get("Responses", {}).values()
            for i in items
        )
    if operation == "TransactGetItems":
        return 0.0, sum(
            2 * max(1, math.ceil(_size_kb(r.get("Item", {})) / 4)) for r in result.get("Responses", [])
        )
    return 0.0, 0.0


@contextmanager
def counting(measured: Measured) -> Iterator[None]:
    """Count every AWS request the process makes, and each handler's invocations and run time."""
    from botocore.client import BaseClient

    import app

    original_call = BaseClient._make_api_call

    def call(client: Any, operation: str, kwargs: dict[str, Any]) -> Any:
        result = original_call(client, operation, kwargs)
        service = client.meta.service_model.service_name
        measured.requests[(service, operation)] += 1
        if service == "dynamodb":
            writes, reads = _units(operation, kwargs, result)
            measured.write_units += writes
            measured.read_units += reads
        return result

    originals = {name: getattr(app, name) for name in HANDLERS}

    def timed(name: str, handler: Any) -> Any:
        def run(event: Any, context: Any) -> Any:
            started = time.perf_counter()
            try:
                return handler(event, context)
            finally:
                measured.invocations[name] += 1
                measured.seconds[name] += time.perf_counter() - started

        return run

    BaseClient._make_api_call = call
    for name, handler in originals.items():
        setattr(app, name, timed(name, handler))
    try:
        yield
    finally:
        BaseClient._make_api_call = original_call
        for name, handler in originals.items():
            setattr(app, name, handler)


def debtor_list(dossiers: int) -> str:
    """A month's new overdue debtors: consumers and businesses, every one with an e-mail address,
    half with a mobile number, one to three invoices each."""
    lines = ["Relatiecode;Naam;Soort;E-mail;Telefoon;Factuurnummer;Factuurdatum;Vervaldatum;Bedrag"]
    for n in range(dossiers):
        kind = "Particulier" if n % 3 else "Zakelijk"
        phone = f"06{20000000 + n}" if n % 2 == 0 else ""
        for invoice in range(1 + n % 3):
            amount = 35 + (n * 37 + invoice * 101) % 1900
            lines.append(
                f"{30000 + n};Debiteur {n};{kind};debiteur{n}@example.nl;{phone};"
                f"2026-{n:05d}-{invoice};01-10-2026;01-11-2026;{amount},00"
            )
    return "\n".join(lines) + "\n"


def measure(dossiers: int = DOSSIERS, days: int = DAYS) -> Measured:
    """Play `dossiers` new debtors for `days` days: the list uploaded again every week (unchanged), a
    third of the debtors paying their link in the first two weeks."""
    from infra.local.demo_data import DEMO_CLIENT
    from infra.local.simulation import Simulation
    from infra.local.simulation_script import ScriptedEvent

    measured = Measured(dossiers, days)
    with TemporaryDirectory() as folder:
        path = Path(folder) / "openstaande-posten.csv"
        path.write_text(debtor_list(dossiers), "utf-8")
        first = str(30000)
        events = [
            ScriptedEvent(i, START + timedelta(days=day, hours=1), first, "upload", {"list": str(path)})
            for i, day in enumerate(range(7, days, 7))
        ]
        events += [
            ScriptedEvent(len(events) + i, START + timedelta(days=1 + i % 13, hours=4), str(30000 + n), "pay")
            for i, n in enumerate(range(0, dossiers, 3))
        ]
        events.sort(key=lambda e: e.at)
        with counting(measured), Simulation(DEMO_CLIENT, START) as simulation:
            simulation.upload(path, first=True)
            simulation.play(events, START + timedelta(days=days))
            measured.webhooks = len(simulation.mollie.webhook_log)
            _count_messages(simulation, measured)
            _measure_empty_sweep(simulation, measured)
    return measured


def _count_messages(simulation: Any, measured: Measured) -> None:
    from chalicelib import bootstrap

    for dossier in bootstrap.dossier_repository().list_for_client(simulation.client.client_id):
        for message in dossier.messages:
            channel = message.channel.split("-installment")[0]
            measured.emails += channel.startswith("email")
            measured.sms += channel == "sms"
            measured.letters += channel == "letter"


def _measure_empty_sweep(simulation: Any, measured: Measured) -> None:
    """One sweep with nothing due: what each of the month's 2,880 scheduled sweeps costs at least."""
    import app
    from infra.local.lambda_events import LambdaContext, scheduled_event

    before = sum(measured.requests.values()), measured.read_units, measured.seconds["sweep_due"]
    quiet = simulation.now + timedelta(minutes=1)
    app.sweep_due(scheduled_event("bench-sweep_due", quiet), LambdaContext("bench-sweep_due"))
    measured.empty_sweep_requests = sum(measured.requests.values()) - before[0]
    measured.empty_sweep_read_units = measured.read_units - before[1]
    measured.empty_sweep_seconds = measured.seconds["sweep_due"] - before[2]
    measured.invocations["sweep_due"] -= 1
    measured.seconds["sweep_due"] -= measured.empty_sweep_seconds


@dataclass(frozen=True)
class Line:
    part: str  # infrastructure | messaging
    what: str
    quantity: float
    unit: str
    usd: float


def monthly_lines(measured: Measured, prices: dict[str, Any], per: int = PER) -> list[Line]:
    """The month's cost for `per` dossiers: measured counts scaled from the run, fixed costs as they are."""
    p = {name: float(price["usd"]) for name, price in prices["prices"].items()}
    scale = per / measured.dossiers
    memory = {name: int(c.get("lambda_memory_size", 128)) / 1024 for name, c in _functions().items()}
    lines: list[Line] = []

    def add(part: str, what: str, quantity: float, unit: str, price: float) -> None:
        lines.append(Line(part, what, quantity, unit, quantity * price))

    # The schedule sweeps 2,880 times a month whatever is due; the work of the sweeps that found
    # something grows with the dossiers, so their measured time and reads scale, the rest is idle.
    working_sweeps = measured.invocations["sweep_due"]
    sweeps_idle = max(0, SWEEPS_PER_MONTH - working_sweeps)
    others = sum(n for name, n in measured.invocations.items() if name != "sweep_due")
    invocations = (others + measured.webhooks) * scale + SWEEPS_PER_MONTH
    gb_seconds = sum(measured.seconds[n] * memory.get(n, 0.5) for n in measured.invocations) * scale
    gb_seconds += sweeps_idle * measured.empty_sweep_seconds * memory["sweep_due"]
    add("infrastructure", "Lambda invocations", invocations, "requests", p["lambda_request"])
    add(
        "infrastructure",
        "Lambda compute (run times measured here)",
        gb_seconds,
        "GB-s",
        p["lambda_gb_second"],
    )
    write_units = measured.write_units * scale
    read_units = measured.read_units * scale + sweeps_idle * measured.empty_sweep_read_units
    add("infrastructure", "DynamoDB writes", write_units, "WRU", p["dynamodb_write_request_unit"])
    add("infrastructure", "DynamoDB reads", read_units, "RRU", p["dynamodb_read_request_unit"])
    sqs = sum(n for (service, _), n in measured.requests.items() if service == "sqs") * scale
    add("infrastructure", "SQS requests (handlers)", sqs, "requests", p["sqs_request"])
    add(
        "infrastructure",
        "SQS idle polling by Lambda (3 queues)",
        IDLE_POLLS_PER_QUEUE_MONTH * POLLED_QUEUES,
        "requests",
        p["sqs_request"],
    )
    s3_puts = sum(n for (s, op), n in measured.requests.items() if s == "s3" and op in _S3_PUTS) * scale
    s3_gets = sum(n for (s, op), n in measured.requests.items() if s == "s3" and op not in _S3_PUTS) * scale
    add("infrastructure", "S3 PUT/LIST requests", s3_puts, "requests", p["s3_put_request"])
    add("infrastructure", "S3 GET requests", s3_gets, "requests", p["s3_get_request"])
    add(
        "infrastructure",
        "API Gateway (Mollie webhooks)",
        measured.webhooks * scale,
        "requests",
        p["api_gateway_request"],
    )
    kms = sum(n for (s, _), n in measured.requests.items() if s in ("ssm", "kms")) * scale
    add("infrastructure", "KMS key", 1, "key-month", p["kms_key_month"])
    add(
        "infrastructure",
        "KMS requests (SSM SecureString reads, upper bound)",
        kms,
        "requests",
        p["kms_request"],
    )
    add("infrastructure", "CloudWatch alarms", _alarms(), "alarms", p["cloudwatch_alarm_month"])
    add("messaging", "SES e-mails", measured.emails * scale, "e-mails", p["ses_email"])
    add("messaging", "SMS to Dutch mobiles", measured.sms * scale, "SMS", p["sms_nl"])
    return lines


def _functions() -> dict[str, Any]:
    config: dict[str, Any] = json.loads(CONFIG.read_text("utf-8"))
    return dict(config["lambda_functions"])


def _alarms() -> int:
    resources = json.loads(RESOURCES.read_text("utf-8"))["Resources"]
    return sum(1 for r in resources.values() if r.get("Type") == "AWS::CloudWatch::Alarm")


def report(measured: Measured, prices: dict[str, Any]) -> list[str]:
    lines = monthly_lines(measured, prices)
    scale = PER / measured.dossiers
    out = [
        f"measured: {measured.dossiers} new dossiers over {measured.days} days on moto (list uploaded weekly, "
        f"a third paying), {sum(measured.requests.values()):,} AWS requests, scaled x{scale:g} to {PER:,} dossiers",
        f"  per {PER:,} dossiers a month: {measured.emails * scale:,.0f} e-mails, {measured.sms * scale:,.0f} SMS, "
        f"{measured.letters * scale:,.0f} letters (not priced: the print partner's bill), "
        f"{measured.webhooks * scale:,.0f} Mollie webhooks",
        f"  DynamoDB: {measured.write_units * scale:,.0f} WRU and {measured.read_units * scale:,.0f} RRU "
        f"from the dossiers; an empty sweep {measured.empty_sweep_requests} requests, "
        f"{measured.empty_sweep_read_units:g} RRU, {measured.empty_sweep_seconds * 1000:.0f} ms",
        f"prices: {prices['region']}, {prices['currency']}, as of {prices['as_of']} (bench/aws_prices.json; "
        "sources there, not re-checked offline)",
    ]
    for part in ("infrastructure", "messaging"):
        out.append(f"{part}:")
        for line in (x for x in lines if x.part == part):
            out.append(f"  {line.what:<52} {line.quantity:>14,.1f} {line.unit:<10} ${line.usd:>9.2f}")
        total = sum(x.usd for x in lines if x.part == part)
        out.append(f"  {'total ' + part:<52} {'':>14} {'':<10} ${total:>9.2f}")
    unverified = [n for n, price in prices["prices"].items() if not price.get("verified", False)]
    out.append(
        f"month for {PER:,} dossiers: ${sum(x.usd for x in lines):.2f} "
        f"(prices marked unverified: {', '.join(unverified)})"
    )
    return out


def main() -> None:
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    prices = json.loads(PRICES.read_text("utf-8"))
    for line in report(measure(), prices):
        print(line, flush=True)


if __name__ == "__main__":
    main()
