"""infra/client-policy.json: what one client's uploader may do in the shared bucket."""

from __future__ import annotations

import json
from string import Template
from typing import Any

from infra import package

CLIENT_POLICY = package.PROJECT / "infra" / "client-policy.json"


def rendered(bucket: str, client_id: str) -> dict[str, Any]:
    text = Template(CLIENT_POLICY.read_text("utf-8")).substitute(bucket=bucket, client_id=client_id)
    policy: dict[str, Any] = json.loads(text)
    return policy


def test_a_client_writes_only_its_own_upload_prefixes_and_reads_only_its_reports() -> None:
    policy = rendered("debtflow-uploads-prod-111122223333", "club-42")
    grants = {
        (action, resource)
        for statement in policy["Statement"]
        for action in statement["Action"]
        for resource in statement["Resource"]
    }
    bucket = "arn:aws:s3:::debtflow-uploads-prod-111122223333"

    assert grants == {
        ("s3:PutObject", f"{bucket}/incoming/club-42/*"),
        ("s3:PutObject", f"{bucket}/paid/club-42/*"),
        ("s3:PutObject", f"{bucket}/storno/club-42/*"),
        ("s3:GetObject", f"{bucket}/reports/club-42/*"),
        ("s3:ListBucket", bucket),
    }
    (listing,) = [s for s in policy["Statement"] if s["Action"] == ["s3:ListBucket"]]
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["reports/club-42/", "reports/club-42/*"]}}
    assert all(s["Effect"] == "Allow" for s in policy["Statement"])


def test_the_template_has_no_placeholder_but_bucket_and_client_id() -> None:
    # substitute() raises on any other ${...}; the rendered text keeps no "$" at all.
    assert "$" not in json.dumps(rendered("b", "c"))
