"""The debtor page's signing key from the stack's secret, read through SSM once per cold start:
a session signed by one instance is accepted by the next."""

from __future__ import annotations

import boto3
import pytest

from chalicelib import bootstrap
from tests.e2e.conftest import REGION, Pipeline
from tests.e2e.test_debtor_page import CLIENT, opened, reminded

SECRET = "debtflow-test-page-signing-key"


def cold_start() -> None:
    """A new Lambda instance: every adapter, client and the key are built again on first use."""
    bootstrap.reset()
    bootstrap.settings()


@pytest.fixture
def stack_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """What the merged template sets up: a generated secret, and the API's parameter naming it."""
    secrets = boto3.client("secretsmanager", region_name=REGION)
    value = secrets.get_random_password(PasswordLength=64, ExcludePunctuation=True)["RandomPassword"]
    secrets.create_secret(Name=SECRET, SecretString=value)
    monkeypatch.setenv("PAGE_SIGNING_KEY_PARAMETER", f"/aws/reference/secretsmanager/{SECRET}")
    monkeypatch.delenv("PAGE_SIGNING_KEY", raising=False)
    cold_start()
    return str(value)


def test_a_session_from_before_a_cold_start_still_opens_the_page(pipeline: Pipeline, stack_key: str) -> None:
    reminded(pipeline)
    browser, _ = opened(pipeline)
    assert bootstrap.page_signing_key() == stack_key.encode()
    cold_start()
    assert browser.get(f"/p/{CLIENT}").status_code == 200


def test_the_key_is_read_once_per_instance(pipeline: Pipeline, stack_key: str) -> None:
    reminded(pipeline)
    browser, _ = opened(pipeline)
    # Gone from the store: the running instance keeps the key it read at its start.
    boto3.client("secretsmanager", region_name=REGION).delete_secret(
        SecretId=SECRET, ForceDeleteWithoutRecovery=True
    )
    assert browser.get(f"/p/{CLIENT}").status_code == 200


def test_without_the_parameter_a_cold_start_ends_the_session(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Why the parameter matters: each instance would sign with a key of its own."""
    monkeypatch.delenv("PAGE_SIGNING_KEY_PARAMETER", raising=False)
    monkeypatch.delenv("PAGE_SIGNING_KEY", raising=False)
    cold_start()
    reminded(pipeline)
    browser, _ = opened(pipeline)
    cold_start()
    assert browser.get(f"/p/{CLIENT}").status_code == 404
