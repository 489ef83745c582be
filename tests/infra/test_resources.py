"""infra/resources.json: the table matches the PynamoDB models, the stack is secure by default and
watched at night, the merge patches land on Chalice's functions, and moto can create what it supports."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib.adapters.table import table_definition

REGION = "eu-west-1"
FUNCTIONS = (
    "ImportUpload",
    "ImportChunk",
    "SweepDue",
    "ProcessDossierAction",
    "APIHandler",
    "ReconcilePayments",
    "SesFeedback",
    "ClientLogin",
    "SendDailyDigest",
)

# moto 5.2.5's CloudFormation has no model for these: left out of the moto stack, their properties
# are asserted on the template instead (and cfn-lint checks their schema).
MOTO_UNSUPPORTED = {
    # The webhook's own function runs the package Chalice builds, and API Gateway invokes it.
    "AWS::Serverless::Function",
    "AWS::Lambda::Permission",
    "AWS::CloudWatch::Alarm",
    "AWS::SES::ConfigurationSet",
    "AWS::SES::ConfigurationSetEventDestination",
    "AWS::S3::BucketPolicy",
    "AWS::SQS::QueuePolicy",
    "AWS::SNS::TopicPolicy",
    "AWS::SNS::Subscription",
    # moto's CloudFormation has no Cognito model; infra/local/login_pool.py creates the pool
    # from these same properties through the Cognito API, which moto has.
    "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolClient",
}


def resources_of(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v.get("Type") == kind}


def test_the_table_in_infra_is_the_table_the_models_expect(merge_template: dict[str, Any]) -> None:
    properties = merge_template["Resources"]["DebtflowTable"]["Properties"]
    expected = table_definition()

    assert {key: properties[key] for key in expected} == expected


def test_the_table_is_on_demand_recoverable_encrypted_with_the_cmk_and_expires_items(
    merge_template: dict[str, Any],
) -> None:
    table = merge_template["Resources"]["DebtflowTable"]
    properties = table["Properties"]

    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"] == {
        "SSEEnabled": True,
        "SSEType": "KMS",
        "KMSMasterKeyId": {"Ref": "DebtflowKey"},
    }
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert properties["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    assert merge_template["Resources"]["DebtflowKey"]["Properties"]["EnableKeyRotation"] is True


def test_the_uploads_bucket_is_private_tls_only_versioned_and_expires_what_it_produced(
    merge_template: dict[str, Any],
) -> None:
    bucket = merge_template["Resources"]["UploadsBucket"]
    properties = bucket["Properties"]

    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert properties["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    ]
    rules = {rule["Id"]: rule for rule in properties["LifecycleConfiguration"]["Rules"]}
    assert all(rule["Status"] == "Enabled" for rule in rules.values())
    assert rules["expire-reports"]["Prefix"] == "reports/"
    assert rules["expire-reports"]["ExpirationInDays"] == 400
    assert rules["keep-outbox-letters"]["Prefix"] == "outbox/"
    assert "ExpirationInDays" not in rules["keep-outbox-letters"]
    assert rules["abort-incomplete-uploads"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}


def days_kept(rules: list[dict[str, Any]], key: str) -> tuple[float, float]:
    """(current, noncurrent) days an object at `key` survives; S3 applies the shortest rule."""
    current, noncurrent = float("inf"), float("inf")
    for rule in rules:
        assert set(rule) <= {
            "Id",
            "Status",
            "Prefix",
            "ExpirationInDays",
            "NoncurrentVersionExpiration",
            "AbortIncompleteMultipartUpload",
        }, rule  # a Filter/tag rule would need its own reading here
        if rule["Status"] != "Enabled" or not key.startswith(rule.get("Prefix", "")):
            continue
        current = min(current, rule.get("ExpirationInDays", float("inf")))
        noncurrent = min(
            noncurrent, rule.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays", float("inf"))
        )
    return current, noncurrent


@pytest.mark.parametrize(
    ("key", "current", "noncurrent"),
    [
        # Copies of what was sent and hand-over files: closed files are kept at least 2 years.
        ("sent/club-42/D1/3-email.txt", float("inf"), 730),
        ("handover/club-42/D1/2025-01-31.json", float("inf"), 730),
        # The list digests are the import's memory: never expired, old versions after 30 days.
        ("state/club-42/list-digests/00.json.gz", float("inf"), 30),
        # A 14-day letter is the proof that costs may be charged (BW 6:96 lid 6): kept like sent/.
        ("outbox/club-42/D1/4.pdf", float("inf"), 730),
        ("reports/club-42/list.csv/result.json", 400, 30),
        ("incoming/club-42/list.csv", float("inf"), 30),
        ("paid/club-42/paid.csv", float("inf"), 30),
        ("storno/club-42/camt054.xml", float("inf"), 30),
    ],
)
def test_lifecycle_keeps_each_prefix_as_long_as_it_must(
    merge_template: dict[str, Any], key: str, current: float, noncurrent: float
) -> None:
    rules = merge_template["Resources"]["UploadsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]

    assert days_kept(rules, key) == (current, noncurrent)


def test_the_uploads_bucket_refuses_anything_but_tls(merge_template: dict[str, Any]) -> None:
    (deny,) = merge_template["Resources"]["UploadsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny"
    assert deny["Principal"] == "*"
    assert deny["Action"] == "s3:*"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == [
        {"Fn::GetAtt": ["UploadsBucket", "Arn"]},
        {"Fn::Sub": "${UploadsBucket.Arn}/*"},
    ]


def test_new_client_files_notify_the_uploads_queue_once_s3_may_send_to_it(
    merge_template: dict[str, Any],
) -> None:
    bucket = merge_template["Resources"]["UploadsBucket"]
    notifications = bucket["Properties"]["NotificationConfiguration"]["QueueConfigurations"]

    assert bucket["DependsOn"] == ["UploadsQueuePolicy"]
    assert [n["Filter"]["S3Key"]["Rules"] for n in notifications] == [
        [{"Name": "prefix", "Value": "incoming/"}],
        [{"Name": "prefix", "Value": "paid/"}],
        [{"Name": "prefix", "Value": "storno/"}],
        # The print partner's posting reports (services/posting.py).
        [{"Name": "prefix", "Value": "posted/"}],
        # Debtors' proofs of payment, checked before anyone opens them (services/dispute_proofs.py).
        [{"Name": "prefix", "Value": "proofs/"}],
    ]
    for notification in notifications:
        assert notification["Event"] == "s3:ObjectCreated:*"
        assert notification["Queue"] == {"Fn::GetAtt": ["UploadsQueue", "Arn"]}

    policy = merge_template["Resources"]["UploadsQueuePolicy"]["Properties"]
    allow = policy["PolicyDocument"]["Statement"][0]
    assert policy["Queues"] == [{"Ref": "UploadsQueue"}]
    assert (allow["Effect"], allow["Principal"], allow["Action"]) == (
        "Allow",
        {"Service": "s3.amazonaws.com"},
        "sqs:SendMessage",
    )
    assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}


def test_bounces_and_complaints_are_published_to_a_topic(merge_template: dict[str, Any]) -> None:
    destination = merge_template["Resources"]["EmailBounceComplaintDestination"]["Properties"]

    assert destination["ConfigurationSetName"] == {"Ref": "EmailConfigurationSet"}
    assert {"bounce", "complaint"} <= set(destination["EventDestination"]["MatchingEventTypes"])
    assert destination["EventDestination"]["SnsDestination"] == {"TopicARN": {"Ref": "EmailEventsTopic"}}


def test_someone_is_told_at_night_when_messages_dead_letter_or_functions_fail(
    merge_template: dict[str, Any],
) -> None:
    alarms = resources_of(merge_template, "AWS::CloudWatch::Alarm")
    watched = {
        (
            a["Properties"]["Namespace"],
            a["Properties"]["MetricName"],
            json.dumps(a["Properties"]["Dimensions"], sort_keys=True),
        )
        for a in alarms.values()
    }

    for dlq in ("UploadsDeadLetterQueue", "ActionsDeadLetterQueue"):
        queue = json.dumps(
            [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq, "QueueName"]}}], sort_keys=True
        )
        assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", queue) in watched
    for function in FUNCTIONS:
        name = json.dumps([{"Name": "FunctionName", "Value": {"Ref": function}}], sort_keys=True)
        assert ("AWS/Lambda", "Errors", name) in watched
        assert ("AWS/Lambda", "Throttles", name) in watched
    dlq_alarm = alarms["UploadsDeadLetterQueueAlarm"]["Properties"]
    assert (dlq_alarm["Threshold"], dlq_alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_the_merge_patches_land_on_the_functions_chalice_generates(
    template: dict[str, Any], merge_template: dict[str, Any]
) -> None:
    patches = {k for k, v in merge_template["Resources"].items() if "Type" not in v}
    functions = set(resources_of(template, "AWS::Serverless::Function"))

    # A renamed handler would leave a patch without a function (and a resource without a Type).
    # RestAPI's patch points the webhook's path at MollieWebhook, a function of the merge template.
    assert patches == set(FUNCTIONS) | {"RestAPI"}
    assert functions == set(FUNCTIONS) | {"MollieWebhook"}


def test_functions_find_the_merged_resources_through_their_environment(template: dict[str, Any]) -> None:
    def variables(function: str) -> dict[str, Any]:
        found: dict[str, Any] = template["Resources"][function]["Properties"]["Environment"]["Variables"]
        return found

    table = {"Ref": "DebtflowTable"}
    assert variables("ImportUpload")["TABLE_NAME"] == table
    for function in ("ImportUpload", "ProcessDossierAction", "APIHandler", "ReconcilePayments"):
        # The file store (letters, copies, hand-over files, reports) reads it; without it the
        # functions would write to a bucket named "debtflow-uploads".
        assert variables(function)["UPLOADS_BUCKET"] == {"Ref": "UploadsBucket"}, function
    assert variables("SweepDue")["ACTIONS_QUEUE_URL"] == {"Ref": "ActionsQueue"}
    assert variables("ImportUpload")["IMPORT_CHUNKS_QUEUE_URL"] == {"Ref": "ImportChunksQueue"}
    assert variables("ProcessDossierAction")["SES_CONFIGURATION_SET"] == {"Ref": "EmailConfigurationSet"}
    assert "HasPublicApiUrl" in json.dumps(variables("ProcessDossierAction")["PUBLIC_API_URL"])
    # The debtor's page builds its form actions, cookie paths and Mollie's way back from it.
    assert variables("APIHandler")["PUBLIC_API_URL"] == variables("ProcessDossierAction")["PUBLIC_API_URL"]
    assert all(variables(f)["TABLE_NAME"] == table for f in FUNCTIONS)
    # Local-only settings must not reach AWS.
    assert not any(
        "AWS_ENDPOINT_URL" in variables(f) or "MOLLIE_API_ENDPOINT" in variables(f) for f in FUNCTIONS
    )


@pytest.mark.parametrize(
    ("function", "queue"),
    [
        ("ImportUpload", "UploadsQueue"),
        ("ImportChunk", "ImportChunksQueue"),
        ("ProcessDossierAction", "ActionsQueue"),
    ],
)
def test_sqs_event_sources_consume_the_merged_queues(
    template: dict[str, Any], function: str, queue: str
) -> None:
    (source,) = template["Resources"][function]["Properties"]["Events"].values()

    assert source["Type"] == "SQS"
    # Exactly one intrinsic: the deep merge replaced Chalice's name-based Fn::Sub, not added to it.
    assert source["Properties"]["Queue"] == {"Fn::Sub": f"${{{queue}.Arn}}"}
    # batch_size=1 in app.py: one message per invocation, so no ReportBatchItemFailures patch.
    assert source["Properties"]["BatchSize"] == 1
    assert "FunctionResponseTypes" not in source["Properties"]


def moto_template(merge_template: dict[str, Any]) -> dict[str, Any]:
    """The merge template as a stack of its own: without the function patches and what moto lacks."""
    kept = {
        name: resource
        for name, resource in merge_template["Resources"].items()
        if "Type" in resource and resource["Type"] not in MOTO_UNSUPPORTED
    }
    dropped = set(merge_template["Resources"]) - set(kept)
    outputs = {
        name: output
        for name, output in merge_template["Outputs"].items()
        if not any(ref in dropped for ref in references(output))
    }
    return {**merge_template, "Resources": kept, "Outputs": outputs}


def references(value: Any) -> set[str]:
    """Logical ids a value points at through Ref or Fn::GetAtt."""
    if isinstance(value, list):
        return set().union(*(references(v) for v in value)) if value else set()
    if not isinstance(value, dict):
        return set()
    found = {value["Ref"]} if "Ref" in value else set()
    if "Fn::GetAtt" in value:
        found.add(value["Fn::GetAtt"][0])
    return found.union(*(references(v) for v in value.values()))


def test_moto_creates_the_table_queues_bucket_and_key_from_the_merge_template(
    merge_template: dict[str, Any],
) -> None:
    with mock_aws():
        cloudformation = boto3.client("cloudformation", region_name=REGION)
        cloudformation.create_stack(
            StackName="debtflow-prod",
            TemplateBody=json.dumps(moto_template(merge_template)),
            Parameters=[{"ParameterKey": "SenderDomain", "ParameterValue": "mail.debtflow.example"}],
        )
        stack = cloudformation.describe_stacks(StackName="debtflow-prod")["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_COMPLETE"
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}

        dynamodb = boto3.client("dynamodb", region_name=REGION)
        table = dynamodb.describe_table(TableName=outputs["TableName"])["Table"]
        assert outputs["TableName"] == "debtflow-prod"
        assert table["KeySchema"] == table_definition()["KeySchema"]
        assert sorted(g["IndexName"] for g in table["GlobalSecondaryIndexes"]) == [
            "by_client",
            "client_list",
            "due",
        ]
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"

        sqs = boto3.client("sqs", region_name=REGION)
        for queue_output, dlq_name, visibility, receives in (
            ("UploadsQueueUrl", "debtflow-uploads-dlq-prod", "960", 3),
            ("ActionsQueueUrl", "debtflow-actions-dlq-prod", "180", 5),
        ):
            attributes = sqs.get_queue_attributes(QueueUrl=outputs[queue_output], AttributeNames=["All"])[
                "Attributes"
            ]
            redrive = json.loads(attributes["RedrivePolicy"])
            assert redrive["deadLetterTargetArn"] == f"arn:aws:sqs:{REGION}:123456789012:{dlq_name}"
            assert int(redrive["maxReceiveCount"]) == receives
            assert attributes["VisibilityTimeout"] == visibility
            assert attributes["SqsManagedSseEnabled"] == "true"
            dlq_url = sqs.get_queue_url(QueueName=dlq_name)["QueueUrl"]
            dlq = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["All"])["Attributes"]
            assert dlq["SqsManagedSseEnabled"] == "true"
            assert dlq["MessageRetentionPeriod"] == "1209600"

        s3 = boto3.client("s3", region_name=REGION)
        bucket = outputs["UploadsBucketName"]
        assert bucket == "debtflow-uploads-prod-123456789012"
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
        assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"

        kms = boto3.client("kms", region_name=REGION)
        key_id = outputs["KeyArn"].rsplit("/", 1)[1]
        assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True

        groups = boto3.client("logs", region_name=REGION).describe_log_groups(
            logGroupNamePrefix="/aws/lambda/debtflow-prod-"
        )["logGroups"]
        assert sorted(g["logGroupName"].rsplit("-", 1)[1] for g in groups) == [
            "api_handler",
            "client_login",
            "import_chunk",
            "import_upload",
            "mollie_webhook",
            "process_dossier_action",
            "reconcile_payments",
            "send_daily_digest",
            "ses_feedback",
            "sweep_due",
        ]
        assert {g.get("retentionInDays") for g in groups} == {90}


def test_ses_feedback_subscribes_to_the_merged_email_events_topic(template: dict[str, Any]) -> None:
    function = template["Resources"]["SesFeedback"]["Properties"]
    (source,) = function["Events"].values()

    assert source["Type"] == "SNS"
    # Exactly one intrinsic: the merge replaced Chalice's name-based ARN with the stack's topic
    # (Fn::Sub of a topic's logical id is its ARN), which is the topic SES publishes to.
    assert source["Properties"] == {"Topic": {"Fn::Sub": "${EmailEventsTopic}"}}
    assert function["FunctionName"] == {"Fn::Sub": "debtflow-${Stage}-ses_feedback"}
    assert function["Environment"]["Variables"]["TABLE_NAME"] == {"Ref": "DebtflowTable"}


def test_the_daily_reconciliation_runs_on_schedule_and_a_missed_day_wakes_someone(
    template: dict[str, Any], merge_template: dict[str, Any]
) -> None:
    function = template["Resources"]["ReconcilePayments"]["Properties"]
    (event,) = function["Events"].values()

    assert (event["Type"], event["Properties"]["Schedule"]) == ("Schedule", "cron(30 4 * * ? *)")
    assert function["FunctionName"] == {"Fn::Sub": "debtflow-${Stage}-reconcile_payments"}
    assert function["Timeout"] <= 900
    missing = merge_template["Resources"]["ReconcilePaymentsMissingAlarm"]["Properties"]
    assert missing["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "ReconcilePayments"}}]
    assert (missing["MetricName"], missing["Period"], missing["Threshold"]) == ("Invocations", 86400, 1)
    assert (missing["ComparisonOperator"], missing["TreatMissingData"]) == ("LessThanThreshold", "breaching")


def test_the_daily_digest_runs_at_eight_amsterdam_time_in_winter_and_summer_and_a_missed_day_alarms(
    template: dict[str, Any], merge_template: dict[str, Any]
) -> None:
    function = template["Resources"]["SendDailyDigest"]["Properties"]
    (event,) = function["Events"].values()

    # 06:00 and 07:00 UTC: one of them is 08:00 in Amsterdam whether it is UTC+1 or UTC+2.
    assert (event["Type"], event["Properties"]["Schedule"]) == ("Schedule", "cron(0 6-7 * * ? *)")
    assert function["Environment"]["Variables"]["LOGIN_ISSUER"] == {
        "Fn::Sub": "https://cognito-idp.${AWS::Region}.amazonaws.com/${ClientUserPool}"
    }
    missing = merge_template["Resources"]["SendDailyDigestMissingAlarm"]["Properties"]
    assert missing["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "SendDailyDigest"}}]
    assert (missing["MetricName"], missing["Period"], missing["Threshold"]) == ("Invocations", 86400, 1)


def test_api_gateway_sends_the_mollie_webhook_to_its_own_function(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    paths = resources["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    webhook = paths["/webhooks/mollie/{client_id}"]
    assert set(webhook) == {"post"}
    integration = webhook["post"]["x-amazon-apigateway-integration"]
    assert integration["type"] == "aws_proxy" and integration["httpMethod"] == "POST"
    assert "${MollieWebhook.Arn}" in integration["uri"]["Fn::Sub"]
    # Every other route still goes to the API handler.
    for path, methods in paths.items():
        if path != "/webhooks/mollie/{client_id}":
            for method in methods.values():
                assert "${APIHandler.Arn}" in method["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"], (
                    path
                )
    function = resources["MollieWebhook"]["Properties"]
    api = resources["APIHandler"]["Properties"]
    assert function["Handler"] == "chalicelib.mollie_webhook.app"
    for same in ("Runtime", "CodeUri", "Layers", "Architectures"):
        assert function[same] == api[same], same
    permission = resources["MollieWebhookInvokedByTheApi"]["Properties"]
    assert permission["FunctionName"] == {"Ref": "MollieWebhook"}
    assert permission["SourceArn"]["Fn::Sub"].endswith("${RestAPI}/*/POST/webhooks/mollie/*")


def test_the_login_pool_lets_only_operators_add_users_who_cannot_change_their_client_or_role(
    merge_template: dict[str, Any],
) -> None:
    pool = merge_template["Resources"]["ClientUserPool"]["Properties"]
    app = merge_template["Resources"]["ClientUserPoolClient"]["Properties"]

    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    custom = {a["Name"]: a for a in pool["Schema"]}
    assert custom["client_id"]["Mutable"] is False
    # The app reads the client and role from the ID token; a user may write neither.
    assert {"custom:client_id", "custom:role"} <= set(app["ReadAttributes"])
    assert not any(a.startswith("custom:") for a in app["WriteAttributes"])
    assert "ALLOW_USER_PASSWORD_AUTH" in app["ExplicitAuthFlows"]
    assert app["GenerateSecret"] is False


def test_the_login_check_knows_the_pool_and_app_it_accepts(template: dict[str, Any]) -> None:
    variables = template["Resources"]["ClientLogin"]["Properties"]["Environment"]["Variables"]

    assert variables["LOGIN_APP_CLIENT_ID"] == {"Ref": "ClientUserPoolClient"}
    assert variables["LOGIN_ISSUER"] == {
        "Fn::Sub": "https://cognito-idp.${AWS::Region}.amazonaws.com/${ClientUserPool}"
    }


def test_the_page_signing_key_is_generated_by_the_stack_and_read_by_the_api_through_ssm(
    template: dict[str, Any],
) -> None:
    """Sessions on the debtor's page outlive a cold start only when every instance signs with the
    same key: a generated secret under the stack's key, read through SSM's reference to it."""
    secret = template["Resources"]["PageSigningKey"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    assert secret["DeletionPolicy"] == "Retain"
    properties = secret["Properties"]
    assert properties["KmsKeyId"] == {"Ref": "DebtflowKey"}
    assert properties["GenerateSecretString"]["PasswordLength"] >= 32
    name = properties["Name"]["Fn::Sub"]
    variables = template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert variables["PAGE_SIGNING_KEY_PARAMETER"] == {"Fn::Sub": f"/aws/reference/secretsmanager/{name}"}
    assert "PAGE_SIGNING_KEY" not in variables
