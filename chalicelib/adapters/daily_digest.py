"""What the daily digest needs beyond the dossiers: its once-a-day claim (`DIGEST#<client>` /
`<day>` items of the table) and the client's owners (the login pool's users)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from pynamodb.exceptions import PutError

from chalicelib.adapters.table import DigestItem, PlanRequestItem
from chalicelib.domain.access import Role

KEEP = timedelta(days=35)


class DynamoDigestLedger:
    def claim(self, client_id: str, day: date, now: datetime) -> bool:
        item = DigestItem(
            f"DIGEST#{client_id}",
            day.isoformat(),
            sent_at=now.isoformat(),
            expires_at=int((now + KEEP).timestamp()),
        )
        try:
            item.save(condition=DigestItem.pk.does_not_exist())
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def release(self, client_id: str, day: date) -> None:
        DigestItem(f"DIGEST#{client_id}", day.isoformat()).delete()


# A plan request unanswered this long no longer comes up in the digest (the dossier still shows it).
PLAN_REQUEST_KEPT = timedelta(days=60)


class DynamoPlanRequests:
    """`PLANREQ#<client>` / `<debtor>`: one item per debtor who asked, rewritten by a new request."""

    def add(self, client_id: str, debtor_id: str, now: datetime) -> None:
        PlanRequestItem(
            f"PLANREQ#{client_id}",
            debtor_id,
            asked_at=now.isoformat(),
            expires_at=int((now + PLAN_REQUEST_KEPT).timestamp()),
        ).save()

    def debtor_ids(self, client_id: str) -> list[str]:
        return [item.sk for item in PlanRequestItem.query(f"PLANREQ#{client_id}")]


class CognitoClientOwners:
    """The pool's users with role owner, by client. Cognito's ListUsers cannot filter on custom
    attributes, so the pool is listed once (pages of 60) and kept for this object's life: one
    digest run."""

    def __init__(self, cognito: Any, pool_id: str) -> None:
        self._cognito = cognito
        self._pool_id = pool_id
        self._owners: dict[str, list[str]] | None = None

    def owner_emails(self, client_id: str) -> list[str]:
        if not self._pool_id:
            return []
        if self._owners is None:
            self._owners = self._load()
        return list(self._owners.get(client_id, []))

    def _load(self) -> dict[str, list[str]]:
        owners: dict[str, list[str]] = defaultdict(list)
        request: dict[str, Any] = {"UserPoolId": self._pool_id, "Limit": 60}
        while True:
            answer = self._cognito.list_users(**request)
            for user in answer.get("Users", []):
                if not user.get("Enabled", True):
                    continue
                attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
                if attributes.get("custom:role") == Role.OWNER.value and attributes.get("email"):
                    owners[attributes.get("custom:client_id", "")].append(attributes["email"])
            token = answer.get("PaginationToken")
            if not token:
                return dict(owners)
            request["PaginationToken"] = token
