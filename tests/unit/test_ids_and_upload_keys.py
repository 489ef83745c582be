"""Ids and upload keys from outside are checked whole before they reach Mollie or a report key."""

from __future__ import annotations

import json

import pytest

from chalicelib import aws_events
from chalicelib.adapters.mollie_gateway import LINK_ID
from chalicelib.adapters.mollie_gateway import PAYMENT_ID as GATEWAY_PAYMENT_ID
from chalicelib.domain.errors import InvalidRequest

# --- ids -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"id=tr_abc%0A", b"id=tr_abc%0D%0A", b"id=tr_abc\n"])
def test_a_payment_id_with_a_trailing_newline_is_refused(body: bytes) -> None:
    with pytest.raises(InvalidRequest):
        aws_events.webhook_payment_id(body)


def test_the_gateway_refuses_ids_with_a_trailing_newline_too() -> None:
    assert GATEWAY_PAYMENT_ID.fullmatch("tr_abc\n") is None
    assert LINK_ID.fullmatch("pl_abc\n") is None
    assert aws_events.webhook_payment_id(b"id=tr_abc") == "tr_abc"


@pytest.mark.parametrize("client_id", ["club-42\n", "club-42\r\n", "", "-club", "Club"])
def test_a_client_id_must_match_whole(client_id: str) -> None:
    with pytest.raises(InvalidRequest):
        aws_events.valid_client_id(client_id)


# --- upload keys -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "incoming/club-42/leden 2026.csv",
        "incoming/club-42/export/leden.xlsx",
        "paid/club-42/betaald.csv",
        "incoming/club-42/leden.csv.bevestigd",
    ],
)
def test_ordinary_upload_keys_pass(key: str) -> None:
    assert aws_events.upload_key_problem(key) is None


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("", "empty"),
        ("incoming/club-42/../../reports/club-42/x.csv", "'..'"),
        ("incoming/../incoming/club-42/x.csv", "'..'"),
        ("incoming/club-42/./x.csv", "'.'"),
        ("incoming//club-42/x.csv", "empty"),
        ("incoming/club-42//x.csv", "empty"),
        ("incoming/club-42/", "empty"),
        ("/incoming/club-42/x.csv", "empty"),
        ("incoming/club-42/x\n.csv", "control"),
        ("incoming/club-42/x\x00.csv", "control"),
        ("incoming/club-42/lijst\u202evsc.exe", "control"),
        ("incoming/club-42/a\\..\\b.csv", "backslash"),
        ("incoming/Club 42/x.csv", "client id"),
        ("incoming/club-42\n/x.csv", "control"),
        ("incoming/club-42", "not under incoming"),
        ("reports/club-42/x.csv", "not under incoming"),
        ("incoming/" + "a" * 64 + "/x.csv", "client id"),
        ("incoming/club-42/" + "x" * 1000, "longer than"),
    ],
)
def test_odd_upload_keys_are_refused_with_a_reason(key: str, reason: str) -> None:
    problem = aws_events.upload_key_problem(key)
    assert problem is not None and reason in problem


def test_a_quarantine_report_is_named_by_the_keys_hash_and_escapes_the_key() -> None:
    key = "incoming/club-42/../x\n.csv"
    report_key, body = aws_events.quarantine_report("uploads", key, "etag-1", "the key has a '..' segment")
    assert report_key.startswith("quarantine/") and report_key.endswith(".json")
    assert ".." not in report_key and "\n" not in report_key
    report = json.loads(body)
    assert report["key_escaped"] == "incoming/club-42/../x\\n.csv"
    assert report["reason"] == "the key has a '..' segment"
    assert report_key == f"quarantine/{report['key_sha256']}.json"
