"""Which AWS the command-line tool talks to, and its problems with AWS told in one line.

Without `--stage` the tool uses the environment (TABLE_NAME, UPLOADS_BUCKET, AWS_ENDPOINT_URL for
moto, ...), as the functions do. `--stage NAME` reads the names from the outputs of the
CloudFormation stack `debtflow-NAME` in the current account and region.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

# Stack output -> the environment variable the app's settings read (chalicelib/bootstrap.py).
STAGE_OUTPUTS = {
    "TableName": "TABLE_NAME",
    "UploadsBucketName": "UPLOADS_BUCKET",
    "ActionsQueueUrl": "ACTIONS_QUEUE_URL",
    "KeyArn": "SSM_KEY_ID",
    "EndpointURL": "PUBLIC_API_URL",
}

# Exit codes shared by every command (README "Exit codes").
OK, REFUSED, USAGE, AWS_PROBLEM = 0, 1, 2, 3


class AwsProblem(Exception):
    """AWS could not be reached or used; the message is one line a person can act on."""


def add_stage_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stage",
        metavar="NAME",
        help="a deployed stage: read the table, bucket and key from the CloudFormation stack "
        "debtflow-NAME (default: TABLE_NAME, UPLOADS_BUCKET, ... from the environment)",
    )


def use_stage(stage: str | None) -> dict[str, str]:
    """Point the app's settings at a deployed stage; returns the stack's outputs."""
    if not stage:
        return {}
    import boto3

    stack = f"debtflow-{stage}"
    # Only on an operator's machine (full SDK): the Lambda layer keeps just the API models the
    # functions call (infra/package.py AWS_SERVICES_USED), and no function reads stack outputs.
    cloudformation = boto3.client(service_name="cloudformation")
    try:
        found = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    except Exception as error:
        if _code(error) == "ValidationError":
            region = cloudformation.meta.region_name
            raise AwsProblem(
                f"there is no stack {stack} in {region}: deploy it first (docs/deploy.md) or check "
                "AWS_DEFAULT_REGION and the account"
            ) from None
        raise
    outputs = {str(o["OutputKey"]): str(o["OutputValue"]) for o in found[0].get("Outputs", [])}
    for output, variable in STAGE_OUTPUTS.items():
        if output in outputs:
            os.environ[variable] = outputs[output]
    from chalicelib import bootstrap

    bootstrap.reset()
    return outputs


def explain(error: BaseException) -> str | None:
    """One line for an AWS problem anywhere in the error's chain; None when it is none."""
    for cause in _chain(error):
        name = type(cause).__name__
        if name == "NoCredentialsError":
            return (
                "no AWS credentials: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) "
                "for the account the stage runs in"
            )
        if name == "NoRegionError":
            return "no AWS region: set AWS_DEFAULT_REGION (e.g. eu-west-1), the region the stage runs in"
        if name in ("EndpointConnectionError", "ConnectionClosedError", "ConnectTimeoutError"):
            where = getattr(cause, "kwargs", {}).get("endpoint_url", "AWS")
            return f"cannot reach {where}: check the network, or AWS_ENDPOINT_URL when working locally"
        code = _code(cause)
        if code:
            return _client_error(code, cause)
    return None


def _client_error(code: str, error: BaseException) -> str:
    if code == "ResourceNotFoundException":
        table = os.environ.get("TABLE_NAME", "debtflow")
        return (
            f"the table {table!r} does not exist in this account and region: pass --stage NAME for a "
            "deployed stage, or set TABLE_NAME"
        )
    if code in ("AccessDenied", "AccessDeniedException", "UnrecognizedClientException"):
        return f"AWS refused the request ({code}): these credentials may not do this in this account"
    if code in ("ExpiredToken", "ExpiredTokenException"):
        return "the AWS session has expired: log in again (e.g. aws sso login)"
    message = str(getattr(error, "response", {}).get("Error", {}).get("Message", "")).splitlines()[0:1]
    return f"AWS answered {code}" + (f": {message[0]}" if message else "")


def _code(error: BaseException) -> str:
    response: Any = getattr(error, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        # PynamoDB keeps the botocore error as `cause`; Python keeps it as __cause__/__context__.
        current = getattr(current, "cause", None) or current.__cause__ or current.__context__
    return seen
