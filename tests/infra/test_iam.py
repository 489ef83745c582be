"""Least privilege, read from the generated template: each function's role holds exactly the actions
its adapters call, on the stage's own resources, and never a `*` action or a `*` resource."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import pytest

FUNCTIONS = (
    "ImportUpload",
    "ImportChunk",
    "SweepDue",
    "ProcessDossierAction",
    "APIHandler",
    "ReconcilePayments",
    "SesFeedback",
    "MollieWebhook",
    "ClientLogin",
    "SendDailyDigest",
)
ROLE_OF = {
    "ImportUpload": "ImportUploadRole",
    "ImportChunk": "ImportChunkRole",
    "SweepDue": "SweepDueRole",
    "ProcessDossierAction": "ProcessDossierActionRole",
    "APIHandler": "ApiHandlerRole",
    "ReconcilePayments": "ReconcilePaymentsRole",
    "SesFeedback": "SesFeedbackRole",
    "MollieWebhook": "MollieWebhookRole",
    "ClientLogin": "ClientLoginRole",
    "SendDailyDigest": "SendDailyDigestRole",
}
LOGS = {"logs:CreateLogStream", "logs:PutLogEvents"}
CONSUME = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
TABLE_KEY_READ = {"kms:Decrypt", "kms:DescribeKey"}
TABLE_KEY_WRITE = TABLE_KEY_READ | {"kms:Encrypt", "kms:GenerateDataKey"}
# Transactions (TransactWriteItems) are authorized per item: a Put, conditional or not, needs
# dynamodb:PutItem. No code path uses a ConditionCheck, Update or Delete inside a transaction.
ITEMS = {"dynamodb:GetItem", "dynamodb:PutItem"}
MOLLIE_KEYS = {"ssm:GetParameter"}
# Every dossier save ADDs to its client's counters (CLIENT#<client>, COUNTS#<n>) in its transaction.
COUNTERS = {"dynamodb:UpdateItem"}

EXPECTED_ACTIONS = {
    "ImportUpload": LOGS
    | CONSUME
    | TABLE_KEY_WRITE
    | ITEMS
    | {
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        # A refused proof of payment goes with every version (services/dispute_proofs.py).
        "s3:DeleteObjectVersion",
        "s3:ListBucketVersions",
        "s3:ListBucket",
        "dynamodb:BatchGetItem",
        "dynamodb:DeleteItem",
        "dynamodb:UpdateItem",
        "dynamodb:Query",
        "sqs:SendMessage",
    },
    # One shard of a large list: its chunk and context in, dossiers, digests, the ledger's set of
    # finished shards and (the last one) the report out. No index query: the split pass did it.
    "ImportChunk": LOGS
    | CONSUME
    | TABLE_KEY_WRITE
    | ITEMS
    | {
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:ListBucket",
        "dynamodb:BatchGetItem",
        "dynamodb:UpdateItem",
    },
    "SweepDue": LOGS | TABLE_KEY_READ | {"dynamodb:Query", "sqs:SendMessage"},
    # The household's members are found through the client index and read in one batch
    # (services/households.py).
    "ProcessDossierAction": LOGS
    | CONSUME
    | TABLE_KEY_WRITE
    | ITEMS
    | MOLLIE_KEYS
    | COUNTERS
    | {
        "ses:SendEmail",
        "sns:Publish",
        "s3:PutObject",
        "dynamodb:Query",
        "dynamodb:BatchGetItem",
        "social-messaging:SendWhatsAppMessage",
    },
    "APIHandler": LOGS
    | TABLE_KEY_WRITE
    | ITEMS
    | MOLLIE_KEYS
    | COUNTERS
    | {
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        "s3:PutObject",
        "s3:GetObject",
        "s3:ListBucket",
        "ses:SendEmail",
        # The debtor page's signing key (a generated secret, read through SSM's reference).
        "secretsmanager:GetSecretValue",
    },
    "ReconcilePayments": LOGS
    | TABLE_KEY_WRITE
    | ITEMS
    | MOLLIE_KEYS
    | COUNTERS
    | {"dynamodb:Query", "s3:PutObject"},
    # Reads the SESMSG# item and the dossier, writes the dossier with its events and the client's
    # counts: nothing else.
    "SesFeedback": LOGS | TABLE_KEY_WRITE | ITEMS | COUNTERS,
    # The public webhook: the client and its payment link read, the payment fetched from Mollie
    # with the client's key, the dossier written with its events and the client's counts.
    # No S3, no SQS, no query.
    "MollieWebhook": LOGS | TABLE_KEY_WRITE | ITEMS | MOLLIE_KEYS | COUNTERS,
    # Checks a login token against the user pool's published keys: it reads nothing of ours.
    "ClientLogin": LOGS,
    # The daily digest: the clients, the waiting part of each list and those dossiers, the day's
    # claim (given back after a failed send), the import reports and the posting alarm, the
    # owners from the login pool, and the e-mail.
    "SendDailyDigest": LOGS
    | TABLE_KEY_WRITE
    | ITEMS
    | {
        "dynamodb:Query",
        "dynamodb:BatchGetItem",
        "dynamodb:DeleteItem",
        "s3:GetObject",
        "s3:ListBucket",
        "cognito-idp:ListUsers",
        "ses:SendEmail",
    },
}

# The one grant on Resource "*": SNS has no ARN for a phone number, so publishing an SMS directly
# can only be allowed on "*". The same role is denied publishing to any topic or endpoint ARN.
SMS_SIDS = ("SendSmsToPhoneNumbers", "NeverPublishToTopicsOrEndpoints")

TABLE = {"Fn::GetAtt": ["DebtflowTable", "Arn"]}
KEY = {"Fn::GetAtt": ["DebtflowKey", "Arn"]}
BUCKET = {"Fn::GetAtt": ["UploadsBucket", "Arn"]}
PAGE_KEY_REFERENCE = {
    "Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/aws/reference/secretsmanager/"
    "debtflow-${Stage}-page-signing-key"
}
SSM_CLIENT_KEYS = {
    "Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/debtflow/clients/*"
}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def objects(*prefixes: str) -> list[str]:
    return sorted(j({"Fn::Sub": f"${{UploadsBucket.Arn}}/{prefix}/*"}) for prefix in prefixes)


def statements(template: dict[str, Any], function: str) -> list[dict[str, Any]]:
    role = template["Resources"][ROLE_OF[function]]
    assert role["Type"] == "AWS::IAM::Role"
    assert "ManagedPolicyArns" not in role["Properties"]
    (policy,) = role["Properties"]["Policies"]
    found: list[dict[str, Any]] = policy["PolicyDocument"]["Statement"]
    return found


def grants(template: dict[str, Any], function: str, effect: str = "Allow") -> dict[str, list[str]]:
    """action -> the resources (as JSON text) it is allowed (or denied) on, conditions folded in."""
    by_action: dict[str, list[str]] = defaultdict(list)
    for statement in statements(template, function):
        assert statement["Effect"] in ("Allow", "Deny")
        if statement["Effect"] != effect:
            continue
        for action in as_list(statement["Action"]):
            for resource in as_list(statement["Resource"]):
                entry = json.dumps(resource, sort_keys=True)
                if "Condition" in statement:
                    entry += " if " + json.dumps(statement["Condition"], sort_keys=True)
                by_action[action].append(entry)
    return by_action


def j(value: Any, condition: Any = None) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if condition is None else text + " if " + json.dumps(condition, sort_keys=True)


def via(service: str) -> dict[str, Any]:
    return {"StringEquals": {"kms:ViaService": {"Fn::Sub": f"{service}.${{AWS::Region}}.amazonaws.com"}}}


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_function_runs_as_its_own_role(template: dict[str, Any], function: str) -> None:
    properties = template["Resources"][function]["Properties"]
    assert properties["Role"] == {"Fn::GetAtt": [ROLE_OF[function], "Arn"]}


@pytest.mark.parametrize("function", FUNCTIONS)
def test_no_statement_allows_a_wildcard_action_or_resource(template: dict[str, Any], function: str) -> None:
    for statement in statements(template, function):
        assert "NotAction" not in statement and "NotResource" not in statement
        for action in as_list(statement["Action"]):
            assert "*" not in action, statement
        if function == "ProcessDossierAction" and statement.get("Sid") in SMS_SIDS:
            continue  # the documented SMS exception, pinned by the SMS test below
        assert statement["Effect"] == "Allow", statement
        for resource in as_list(statement["Resource"]):
            # Only intrinsics that name our own resources; a literal string could be "*" or a
            # hand-typed ARN that drifts from the stack.
            assert isinstance(resource, dict), statement
            text = json.dumps(resource)
            assert '"*"' not in text and ":*:" not in text and "::*" not in text, statement


def test_sms_is_the_one_grant_on_any_resource_and_topics_are_denied(template: dict[str, Any]) -> None:
    by_sid = {s.get("Sid"): s for s in statements(template, "ProcessDossierAction")}
    allow, deny = (by_sid[sid] for sid in SMS_SIDS)

    assert (allow["Effect"], allow["Action"], allow["Resource"]) == ("Allow", ["sns:Publish"], "*")
    assert "Condition" not in allow
    # Direct-to-phone publishes carry no SNS ARN; topics and platform endpoints all do.
    assert (deny["Effect"], deny["Action"]) == ("Deny", ["sns:Publish"])
    assert deny["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:sns:*:*:*"}
    for function in FUNCTIONS:
        wildcard = [
            s
            for s in statements(template, function)
            if s["Effect"] == "Allow" and "*" in as_list(s["Resource"])
        ]
        assert wildcard == ([allow] if function == "ProcessDossierAction" else []), function


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_role_holds_exactly_the_actions_its_function_calls(
    template: dict[str, Any], function: str
) -> None:
    assert set(grants(template, function)) == EXPECTED_ACTIONS[function]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_logs_go_to_the_functions_own_log_group_only(template: dict[str, Any], function: str) -> None:
    allowed = grants(template, function)
    for action in LOGS:
        assert allowed[action] == [j({"Fn::GetAtt": [f"{function}LogGroup", "Arn"]})]


def test_import_reads_client_files_and_its_digests_and_writes_only_reports_quarantine_digests_and_notes(
    template: dict[str, Any],
) -> None:
    allowed = grants(template, "ImportUpload")

    # posted/: the print partner's posting reports, which arrive through the same queue.
    # proofs/: a debtor's proof of payment, read (its first bytes) to check what it really is.
    assert sorted(allowed["s3:GetObject"]) == objects(
        "incoming", "paid", "posted", "proofs", "state", "storno"
    )
    # quarantine/: reports on refused upload keys, for operators (no client policy reaches it).
    # dead-letters/: why a delivery failed, read by `debtflow dlq` (chalicelib/adapters/dead_letters.py).
    assert sorted(allowed["s3:PutObject"]) == objects("dead-letters", "quarantine", "reports", "state")
    # A new upload under the same name removes the old errors.csv that no longer holds.
    # A refused proof is deleted with every version, so nobody can open it later.
    assert sorted(allowed["s3:DeleteObject"]) == objects("proofs", "reports")
    assert allowed["s3:DeleteObjectVersion"] == objects("proofs")
    assert allowed["s3:ListBucketVersions"] == [j(BUCKET, {"StringLike": {"s3:prefix": ["proofs/*"]}})]
    # Without ListBucket S3 answers a missing key (a client's first list has no digests yet)
    # with 403 instead of NoSuchKey, which S3ListDigests.load treats as "no digests".
    assert allowed["s3:ListBucket"] == [j(BUCKET)]
    assert allowed["dynamodb:Query"] == [j({"Fn::Sub": "${DebtflowTable.Arn}/index/by_client"})]
    for action in ("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem"):
        assert allowed[action] == [j(TABLE)]
    # The only delete is giving up an upload claim after a failed import: never a dossier.
    assert allowed["dynamodb:DeleteItem"] == [
        j(TABLE, {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["UPLOAD#*"]}})
    ]
    for action in CONSUME:
        assert allowed[action] == [j({"Fn::GetAtt": ["UploadsQueue", "Arn"]})]
    assert allowed["sqs:SendMessage"] == [j({"Fn::GetAtt": ["ImportChunksQueue", "Arn"]})]


def test_a_chunk_reads_only_state_and_writes_only_state_reports_and_failure_notes(
    template: dict[str, Any],
) -> None:
    allowed = grants(template, "ImportChunk")

    assert sorted(allowed["s3:GetObject"]) == objects("state")
    assert sorted(allowed["s3:PutObject"]) == objects("dead-letters", "reports", "state")
    assert allowed["s3:DeleteObject"] == objects("reports")
    assert allowed["dynamodb:UpdateItem"] == [j(TABLE)]
    for action in CONSUME:
        assert allowed[action] == [j({"Fn::GetAtt": ["ImportChunksQueue", "Arn"]})]


def test_the_sweep_only_queries_the_due_index_and_feeds_the_actions_queue(template: dict[str, Any]) -> None:
    allowed = grants(template, "SweepDue")

    assert allowed["dynamodb:Query"] == [j({"Fn::Sub": "${DebtflowTable.Arn}/index/due"})]
    assert allowed["sqs:SendMessage"] == [j({"Fn::GetAtt": ["ActionsQueue", "Arn"]})]
    assert allowed["kms:Decrypt"] == [j(KEY, via("dynamodb"))]


def test_the_action_function_mails_from_the_sender_domain_through_the_configuration_set(
    template: dict[str, Any],
) -> None:
    allowed = grants(template, "ProcessDossierAction")

    prefix = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:"
    assert sorted(allowed["ses:SendEmail"]) == sorted(
        [
            j({"Fn::Sub": prefix + "identity/${SenderDomain}"}),
            j({"Fn::Sub": prefix + "configuration-set/${EmailConfigurationSet}"}),
        ]
    )
    for action in CONSUME:
        assert allowed[action] == [j({"Fn::GetAtt": ["ActionsQueue", "Arn"]})]
    # print/: letters and their manifests for the print-and-mail partner.
    assert sorted(allowed["s3:PutObject"]) == objects("dead-letters", "outbox", "print", "sent")
    assert allowed["social-messaging:SendWhatsAppMessage"] == [
        j(
            {
                "Fn::Sub": "arn:${AWS::Partition}:social-messaging:${AWS::Region}:${AWS::AccountId}:phone-number-id/*"
            }
        )
    ]
    for action in ITEMS:
        assert allowed[action] == [j(TABLE)]


def test_the_api_writes_handover_files_and_queries_only_dossier_collections(template: dict[str, Any]) -> None:
    allowed = grants(template, "APIHandler")

    # Copies of what the debtor's page and the operator routes send (disputes, plan requests).
    # proofs/: the presigned form the debtor's browser posts a proof with is signed by this role;
    # ... and the confirmation of a held list, beside it (the dashboard's upload page).
    assert sorted(allowed["s3:PutObject"]) == sorted(
        [*objects("handover", "proofs", "sent"), j({"Fn::Sub": "${UploadsBucket.Arn}/incoming/*.bevestigd"})]
    )
    # The import reports, listed and read for the upload page; nothing else of the bucket.
    # ... and the posting check's list of letters not reported posted, for the overview.
    assert sorted(allowed["s3:GetObject"]) == sorted(
        [*objects("reports"), j({"Fn::Sub": "${UploadsBucket.Arn}/state/*/letters-not-posted.json"})]
    )
    assert allowed["s3:ListBucket"] == [j(BUCKET, {"StringLike": {"s3:prefix": ["reports/*"]}})]
    # Updates only on failed-visit counters and personal links (revoking), never on dossiers.
    # Updates only on its client's counters (a decision saves a dossier), failed-visit counters
    # and personal links (revoking); a dossier itself is written with PutItem in a transaction.
    assert sorted(allowed["dynamodb:UpdateItem"]) == sorted(
        [
            j(TABLE, {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["CLIENT#*"]}}),
            j(TABLE, {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["PROBE#*", "PAGELINK#*"]}}),
        ]
    )
    prefix = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:"
    assert sorted(allowed["ses:SendEmail"]) == sorted(
        [
            j({"Fn::Sub": prefix + "identity/${SenderDomain}"}),
            j({"Fn::Sub": prefix + "configuration-set/${EmailConfigurationSet}"}),
        ]
    )
    assert sorted(allowed["dynamodb:Query"]) == sorted(
        [
            j(TABLE, {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["DOSSIER#*", "CLIENT#*"]}}),
            j({"Fn::Sub": "${DebtflowTable.Arn}/index/by_client"}),
            j({"Fn::Sub": "${DebtflowTable.Arn}/index/client_list"}),
        ]
    )
    for action in ITEMS | {"dynamodb:BatchGetItem"}:
        assert allowed[action] == [j(TABLE)]


def test_reconciliation_lists_clients_settles_payments_and_writes_reports(template: dict[str, Any]) -> None:
    allowed = grants(template, "ReconcilePayments")

    # The daily run also lists each client's dossiers for letters never reported posted.
    assert sorted(allowed["dynamodb:Query"]) == sorted(
        [
            j(TABLE, {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["CLIENTS"]}}),
            j({"Fn::Sub": "${DebtflowTable.Arn}/index/by_client"}),
        ]
    )
    for action in ITEMS:
        assert allowed[action] == [j(TABLE)]
    # state/: the posting alarm the dashboard reads (letters-not-posted.json).
    assert sorted(allowed["s3:PutObject"]) == objects("reports", "state")


def test_the_digest_reads_reports_deletes_only_its_own_claims_and_lists_only_the_login_pool(
    template: dict[str, Any],
) -> None:
    allowed = grants(template, "SendDailyDigest")

    assert sorted(allowed["s3:GetObject"]) == objects("reports", "state")
    assert allowed["s3:ListBucket"] == [j(BUCKET, {"StringLike": {"s3:prefix": ["reports/*"]}})]
    assert allowed["dynamodb:DeleteItem"] == [
        j(TABLE, {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["DIGEST#*"]}})
    ]
    assert allowed["cognito-idp:ListUsers"] == [j({"Fn::GetAtt": ["ClientUserPool", "Arn"]})]
    assert sorted(allowed["dynamodb:Query"]) == sorted(
        [
            j(TABLE, {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["CLIENTS"]}}),
            j(TABLE, {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["PLANREQ#*"]}}),
            j({"Fn::Sub": "${DebtflowTable.Arn}/index/client_list"}),
        ]
    )


def test_ses_feedback_only_reads_and_writes_items_of_the_table(template: dict[str, Any]) -> None:
    allowed = grants(template, "SesFeedback")

    for action in ITEMS:
        assert allowed[action] == [j(TABLE)]
    assert sorted(allowed["kms:Decrypt"]) == [j(KEY, via("dynamodb"))]


@pytest.mark.parametrize(
    "function", ["ProcessDossierAction", "APIHandler", "ReconcilePayments", "SesFeedback", "MollieWebhook"]
)
def test_functions_that_save_dossiers_update_only_client_counters(
    template: dict[str, Any], function: str
) -> None:
    allowed = grants(template, function)

    counters = j(TABLE, {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["CLIENT#*"]}})
    # The API also counts failed personal-link visits and revokes links (its own test pins it).
    others = [j(TABLE, {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["PROBE#*", "PAGELINK#*"]}})]
    assert sorted(allowed["dynamodb:UpdateItem"]) == sorted(
        [counters] + (others if function == "APIHandler" else [])
    )


@pytest.mark.parametrize("function", ["ProcessDossierAction", "APIHandler", "ReconcilePayments"])
def test_mollie_keys_are_read_from_the_client_path_and_decrypted_only_through_ssm(
    template: dict[str, Any], function: str
) -> None:
    allowed = grants(template, function)

    page_key = [j(PAGE_KEY_REFERENCE)] if function == "APIHandler" else []
    assert sorted(allowed["ssm:GetParameter"]) == sorted([j(SSM_CLIENT_KEYS), *page_key])
    page_key_decrypt = [j(KEY, via("secretsmanager"))] if function == "APIHandler" else []
    assert sorted(allowed["kms:Decrypt"]) == sorted(
        [j(KEY, via("ssm")), j(KEY, via("dynamodb")), *page_key_decrypt]
    )


def test_only_the_api_reads_the_page_signing_key(template: dict[str, Any]) -> None:
    assert grants(template, "APIHandler")["secretsmanager:GetSecretValue"] == [j({"Ref": "PageSigningKey"})]
    for function in FUNCTIONS:
        if function != "APIHandler":
            assert "secretsmanager:GetSecretValue" not in grants(template, function), function


@pytest.mark.parametrize("function", FUNCTIONS)
def test_the_table_key_is_usable_only_through_dynamodb_and_ssm(
    template: dict[str, Any], function: str
) -> None:
    for action, resources in grants(template, function).items():
        if action.startswith("kms:"):
            through = [j(KEY, via("dynamodb")), j(KEY, via("ssm"))]
            if function == "APIHandler" and action == "kms:Decrypt":
                through.append(j(KEY, via("secretsmanager")))
            assert all(r in through for r in resources), action


def test_the_public_webhook_reads_the_client_key_and_writes_items_of_the_table_only(
    template: dict[str, Any],
) -> None:
    allowed = grants(template, "MollieWebhook")

    assert allowed["dynamodb:GetItem"] == allowed["dynamodb:PutItem"] == [j(TABLE)]
    assert allowed["ssm:GetParameter"] == [j(SSM_CLIENT_KEYS)]
    assert sorted(allowed["kms:Decrypt"]) == sorted([j(KEY, via("dynamodb")), j(KEY, via("ssm"))])
    for action in ("kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"):
        assert allowed[action] == [j(KEY, via("dynamodb"))]
    assert not any(action.startswith(("s3:", "sqs:", "ses:", "sns:")) for action in allowed)
    assert grants(template, "MollieWebhook", effect="Deny") == {}
