from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.adapters import table
from infra.local.provision import LocalNames, Provisioned, provision

# No test may reach a real AWS account, whatever the developer's shell holds.
for name, value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}.items():
    os.environ[name] = value
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)

# The replay test and fault matrix run on their own (`make chaos`, from .ci/run): a few minutes.
collect_ignore = [] if os.environ.get("DEBTFLOW_CHAOS") else ["chaos"]

NAMES = LocalNames(table="debtflow-test", bucket="debtflow-uploads-test")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Provisioned]:
    """moto with the stack's resources created from infra/resources.json."""
    with mock_aws():
        provisioned = provision(NAMES)
        monkeypatch.setenv("TABLE_NAME", NAMES.table)
        monkeypatch.setenv("UPLOADS_BUCKET", NAMES.bucket)
        monkeypatch.setenv("ACTIONS_QUEUE_URL", provisioned.actions_queue_url)
        table.bind(NAMES.table)
        bootstrap.reset()
        yield provisioned
        bootstrap.reset()
