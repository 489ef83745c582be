"""Signing in to the dashboard: Cognito's InitiateAuth with USER_PASSWORD_AUTH, exactly as on AWS
(the local stack and the tests point the SDK at moto through AWS_ENDPOINT_URL or mock_aws).

The ID token it returns is checked like any other (adapters/login_tokens.py) before it is used:
this adapter only asks Cognito, it trusts nothing it gets back."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

# Cognito's answers for "these credentials open no account": all the same to the visitor.
REFUSALS = frozenset(
    {
        "NotAuthorizedException",
        "UserNotFoundException",
        "UserNotConfirmedException",
        "PasswordResetRequiredException",
        "InvalidParameterException",
    }
)


class CognitoSignIn:
    def __init__(self, cognito: Any, app_client_id: str) -> None:
        self._cognito = cognito
        self._app_client_id = app_client_id

    def id_token(self, email: str, password: str) -> str | None:
        if not email or not password or not self._app_client_id:
            return None
        try:
            answer = self._cognito.initiate_auth(
                ClientId=self._app_client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": email, "PASSWORD": password},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in REFUSALS:
                return None
            raise
        # A challenge (a new password to set, a second factor) is not a sign-in the pages offer.
        token = (answer.get("AuthenticationResult") or {}).get("IdToken")
        return str(token) if token else None
