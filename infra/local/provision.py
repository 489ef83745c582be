"""Create the stack's bucket, queues and table on moto from infra/resources.json: the local stack
and the tests use the same definitions as the deployment."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from infra.local.moto_transactions import copy_tables_once_per_transaction

RESOURCES = Path(__file__).resolve().parents[1] / "resources.json"


@dataclass(frozen=True)
class LocalNames:
    table: str = "debtflow-local"
    bucket: str = "debtflow-uploads-local"
    uploads_queue: str = "debtflow-uploads"
    actions_queue: str = "debtflow-actions"
    import_chunks_queue: str = "debtflow-import-chunks"
    sender_email: str = "noreply@debtflow.example"


@dataclass(frozen=True)
class Provisioned:
    names: LocalNames
    uploads_queue_url: str
    actions_queue_url: str
    uploads_dlq_url: str
    actions_dlq_url: str
    import_chunks_queue_url: str = ""
    import_chunks_dlq_url: str = ""


def resources() -> dict[str, Any]:
    template: dict[str, Any] = json.loads(RESOURCES.read_text("utf-8"))
    return template["Resources"]  # type: ignore[no-any-return]


def _queue(sqs: Any, name: str, properties: dict[str, Any], dlq_arn: str | None) -> str:
    attributes = {"VisibilityTimeout": str(properties.get("VisibilityTimeout", 30))}
    if dlq_arn:
        policy = properties["RedrivePolicy"]
        attributes["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(policy["maxReceiveCount"])}
        )
    url: str = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    return url


def _arn(sqs: Any, url: str) -> str:
    arn: str = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return arn


def provision(names: LocalNames = LocalNames(), region: str = "eu-west-1") -> Provisioned:
    """Idempotent: running it against a stack that has the resources already changes nothing."""
    # moto in this process (mock_aws, the local stack's server) copies tables once per transaction.
    copy_tables_once_per_transaction()
    spec = resources()
    sqs = boto3.client("sqs", region_name=region)
    dynamodb = boto3.client("dynamodb", region_name=region)
    s3 = boto3.client("s3", region_name=region)

    table = spec["DebtflowTable"]["Properties"]
    if names.table not in dynamodb.list_tables()["TableNames"]:
        dynamodb.create_table(
            TableName=names.table,
            KeySchema=table["KeySchema"],
            AttributeDefinitions=table["AttributeDefinitions"],
            GlobalSecondaryIndexes=table["GlobalSecondaryIndexes"],
            BillingMode=table["BillingMode"],
        )

    queues: dict[str, str] = {}
    for logical, name in (
        ("Uploads", names.uploads_queue),
        ("Actions", names.actions_queue),
        ("ImportChunks", names.import_chunks_queue),
    ):
        dlq_url = _queue(sqs, f"{name}-dlq", spec[f"{logical}DeadLetterQueue"]["Properties"], None)
        queues[f"{logical}Dlq"] = dlq_url
        queues[logical] = _queue(sqs, name, spec[f"{logical}Queue"]["Properties"], _arn(sqs, dlq_url))

    bucket = spec["UploadsBucket"]["Properties"]
    existing = [b["Name"] for b in s3.list_buckets().get("Buckets", [])]
    if names.bucket not in existing:
        s3.create_bucket(Bucket=names.bucket, CreateBucketConfiguration={"LocationConstraint": region})
        s3.put_bucket_versioning(
            Bucket=names.bucket, VersioningConfiguration=bucket["VersioningConfiguration"]
        )
        uploads_arn = _arn(sqs, queues["Uploads"])
        s3.put_bucket_notification_configuration(
            Bucket=names.bucket,
            NotificationConfiguration={
                "QueueConfigurations": [
                    {
                        "QueueArn": uploads_arn,
                        "Events": [q["Event"]],
                        # CloudFormation spells the filter S3Key.Rules; the API Key.FilterRules.
                        "Filter": {"Key": {"FilterRules": q["Filter"]["S3Key"]["Rules"]}},
                    }
                    for q in bucket["NotificationConfiguration"]["QueueConfigurations"]
                ]
            },
        )
    ses = boto3.client("sesv2", region_name=region)
    identities = [i["IdentityName"] for i in ses.list_email_identities().get("EmailIdentities", [])]
    if names.sender_email not in identities:
        ses.create_email_identity(EmailIdentity=names.sender_email)
    return Provisioned(
        names,
        queues["Uploads"],
        queues["Actions"],
        queues["UploadsDlq"],
        queues["ActionsDlq"],
        queues["ImportChunks"],
        queues["ImportChunksDlq"],
    )
