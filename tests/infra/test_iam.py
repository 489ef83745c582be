"""Least privilege, read from the generated template: each function's role holds exactly the actions
its adapters call, on the stage's own resources, and never a `*` action or a `*` resource."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import pytest

FUNCTIONS = ("ImportUpload", "SweepDue", "ProcessDossierAction", "APIHandler")
ROLE_OF = {
    "ImportUpload": "ImportUploadRole",
    "SweepDue": "SweepDueRole",
    "ProcessDossierAction": "ProcessDossierActionRole",
    "APIHandler": "ApiHandlerRole",
}
LOGS = {"logs:CreateLogStream", "logs:PutLogEvents"}
CONSUME = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
TABLE_KEY_READ = {"kms:Decrypt", "kms:DescribeKey"}
TABLE_KEY_WRITE = TABLE_KEY_READ | {"kms:Encrypt", "kms:GenerateDataKey"}

EXPECTED_ACTIONS = {
    "ImportUpload": LOGS
    | CONSUME
    | TABLE_KEY_WRITE
    | {
        "s3:GetObject",
        "s3:PutObject",
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
    },
    "SweepDue": LOGS | TABLE_KEY_READ | {"dynamodb:Query", "sqs:SendMessage"},
    "ProcessDossierAction": LOGS
    | CONSUME
    | TABLE_KEY_WRITE
    | {"dynamodb:GetItem", "dynamodb:PutItem", "ses:SendEmail", "ssm:GetParameter"},
    "APIHandler": LOGS | TABLE_KEY_WRITE | {"dynamodb:GetItem", "dynamodb:PutItem", "ssm:GetParameter"},
}

TABLE = {"Fn::GetAtt": ["DebtflowTable", "Arn"]}
KEY = {"Fn::GetAtt": ["DebtflowKey", "Arn"]}
SSM_CLIENT_KEYS = {
    "Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/debtflow/clients/*"
}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(template: dict[str, Any], function: str) -> list[dict[str, Any]]:
    role = template["Resources"][ROLE_OF[function]]
    assert role["Type"] == "AWS::IAM::Role"
    assert "ManagedPolicyArns" not in role["Properties"]
    (policy,) = role["Properties"]["Policies"]
    found: list[dict[str, Any]] = policy["PolicyDocument"]["Statement"]
    return found


def grants(template: dict[str, Any], function: str) -> dict[str, list[str]]:
    """action -> the resources (as JSON text) it is allowed on, conditions folded in."""
    by_action: dict[str, list[str]] = defaultdict(list)
    for statement in statements(template, function):
        assert statement["Effect"] == "Allow"
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
        for resource in as_list(statement["Resource"]):
            # Only intrinsics that name our own resources; a literal string could be "*" or a
            # hand-typed ARN that drifts from the stack.
            assert isinstance(resource, dict), statement
            text = json.dumps(resource)
            assert '"*"' not in text and ":*:" not in text and "::*" not in text, statement


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


def test_import_reads_only_client_prefixes_and_writes_only_reports(template: dict[str, Any]) -> None:
    allowed = grants(template, "ImportUpload")

    assert sorted(allowed["s3:GetObject"]) == sorted(
        [j({"Fn::Sub": "${UploadsBucket.Arn}/incoming/*"}), j({"Fn::Sub": "${UploadsBucket.Arn}/paid/*"})]
    )
    assert allowed["s3:PutObject"] == [j({"Fn::Sub": "${UploadsBucket.Arn}/reports/*"})]
    assert allowed["dynamodb:Query"] == [j({"Fn::Sub": "${DebtflowTable.Arn}/index/by_client"})]
    for action in ("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"):
        assert allowed[action] == [j(TABLE)]
    for action in CONSUME:
        assert allowed[action] == [j({"Fn::GetAtt": ["UploadsQueue", "Arn"]})]


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


@pytest.mark.parametrize("function", ["ProcessDossierAction", "APIHandler"])
def test_mollie_keys_are_read_from_the_client_path_and_decrypted_only_through_ssm(
    template: dict[str, Any], function: str
) -> None:
    allowed = grants(template, function)

    assert allowed["ssm:GetParameter"] == [j(SSM_CLIENT_KEYS)]
    assert sorted(allowed["kms:Decrypt"]) == sorted([j(KEY, via("ssm")), j(KEY, via("dynamodb"))])


@pytest.mark.parametrize("function", FUNCTIONS)
def test_the_table_key_is_usable_only_through_dynamodb_and_ssm(
    template: dict[str, Any], function: str
) -> None:
    for action, resources in grants(template, function).items():
        if action.startswith("kms:"):
            assert all(r in (j(KEY, via("dynamodb")), j(KEY, via("ssm"))) for r in resources), action
