"""The dashboard's Cognito user pool on moto, from the ClientUserPool and ClientUserPoolClient of
infra/resources.json: the local stack and the tests log in exactly as on AWS (USER_PASSWORD_AUTH,
an RS256 ID token whose keys the pool publishes)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3

from infra.local.provision import RESOURCES


@dataclass(frozen=True)
class LoginPool:
    pool_id: str
    app_client_id: str
    region: str
    # moto serves the keys at <endpoint>/<pool id>/.well-known/jwks.json; with mock_aws the AWS
    # address itself is intercepted.
    endpoint: str = ""

    @property
    def issuer(self) -> str:
        # moto names the AWS issuer in its tokens whatever endpoint it runs on.
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.pool_id}"

    @property
    def jwks_url(self) -> str:
        base = (
            self.endpoint.rstrip("/") if self.endpoint else f"https://cognito-idp.{self.region}.amazonaws.com"
        )
        return f"{base}/{self.pool_id}/.well-known/jwks.json"

    def environment(self) -> dict[str, str]:
        """What the API function reads (chalicelib/bootstrap.py)."""
        return {
            "LOGIN_ISSUER": self.issuer,
            "LOGIN_APP_CLIENT_ID": self.app_client_id,
            "LOGIN_JWKS_URL": self.jwks_url,
        }


def _spec(name: str) -> dict[str, Any]:
    properties: dict[str, Any] = json.loads(RESOURCES.read_text("utf-8"))["Resources"][name]["Properties"]
    return properties


def create_login_pool(
    name: str = "debtflow-local-clients", region: str = "eu-west-1", endpoint: str = ""
) -> LoginPool:
    cognito = boto3.client("cognito-idp", region_name=region)
    pool = _spec("ClientUserPool")
    pool_id: str = cognito.create_user_pool(
        PoolName=name,
        Schema=pool["Schema"],
        UsernameAttributes=pool["UsernameAttributes"],
        AdminCreateUserConfig=pool["AdminCreateUserConfig"],
        Policies=pool["Policies"],
    )["UserPool"]["Id"]
    app = _spec("ClientUserPoolClient")
    app_client_id: str = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=f"{name}-dashboard",
        GenerateSecret=app["GenerateSecret"],
        ExplicitAuthFlows=app["ExplicitAuthFlows"],
        ReadAttributes=app["ReadAttributes"],
        WriteAttributes=app["WriteAttributes"],
    )["UserPoolClient"]["ClientId"]
    return LoginPool(pool_id, app_client_id, region, endpoint)


def add_user(pool: LoginPool, email: str, password: str, client_id: str, role: str) -> None:
    """A user of one client, with a permanent password (the operator's way to add a user)."""
    cognito = boto3.client("cognito-idp", region_name=pool.region)
    cognito.admin_create_user(
        UserPoolId=pool.pool_id,
        Username=email,
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "custom:client_id", "Value": client_id},
            {"Name": "custom:role", "Value": role},
        ],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(
        UserPoolId=pool.pool_id, Username=email, Password=password, Permanent=True
    )


def id_token(pool: LoginPool, email: str, password: str) -> str:
    """Log in as a user with USER_PASSWORD_AUTH, exactly as a script does against AWS."""
    cognito = boto3.client("cognito-idp", region_name=pool.region)
    answer = cognito.initiate_auth(
        ClientId=pool.app_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )
    token: str = answer["AuthenticationResult"]["IdToken"]
    return token
