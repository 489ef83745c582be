"""The cost model's arithmetic: measured counts scaled to 1,000 dossiers, priced from the data file."""

from __future__ import annotations

import json
from collections import Counter

from bench.bench_cost import PRICES, SWEEPS_PER_MONTH, Measured, monthly_lines

PRICE_DATA = json.loads(PRICES.read_text("utf-8"))


def measured() -> Measured:
    run = Measured(dossiers=100, days=30)
    run.requests = Counter({("sqs", "SendMessage"): 300, ("s3", "PutObject"): 50, ("s3", "GetObject"): 20})
    run.write_units, run.read_units = 2_000.0, 4_000.0
    run.invocations = Counter({"process_dossier_action": 300, "sweep_due": 80})
    run.seconds.update({"process_dossier_action": 30.0, "sweep_due": 8.0})
    run.emails, run.sms, run.webhooks = 250, 100, 30
    run.empty_sweep_requests, run.empty_sweep_read_units, run.empty_sweep_seconds = 16, 16.0, 0.02
    return run


def test_messages_are_priced_apart_from_the_infrastructure_and_scaled_to_a_thousand_dossiers() -> None:
    lines = {line.what: line for line in monthly_lines(measured(), PRICE_DATA)}

    assert lines["SES e-mails"].part == "messaging"
    assert lines["SES e-mails"].quantity == 2_500
    assert round(lines["SES e-mails"].usd, 2) == 0.25
    assert lines["SMS to Dutch mobiles"].quantity == 1_000
    assert lines["DynamoDB writes"].part == "infrastructure"
    assert lines["DynamoDB writes"].quantity == 20_000


def test_every_quarter_hour_sweeps_even_when_little_is_due() -> None:
    lines = {line.what: line for line in monthly_lines(measured(), PRICE_DATA)}

    # The month's 2,880 sweeps whatever the volume, the actions and webhooks scaled to 1,000.
    assert lines["Lambda invocations"].quantity == SWEEPS_PER_MONTH + 3_000 + 300
    assert lines["DynamoDB reads"].quantity == 40_000 + (SWEEPS_PER_MONTH - 80) * 16


def test_every_price_names_its_source_and_the_file_its_date() -> None:
    assert PRICE_DATA["as_of"]
    for name, price in PRICE_DATA["prices"].items():
        assert price["source"].startswith("https://aws.amazon.com/"), name
        assert price["usd"] > 0, name
