"""The dashboard's reads: a client's counters with its profile in one Query, and its list one page
at a time from the `client_list` index (never a Scan, never every dossier of the client)."""

from __future__ import annotations

import base64
import json
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.operand import Path

from chalicelib.adapters.dynamodb_repository import counter_pk
from chalicelib.adapters.table import DossierItem
from chalicelib.domain.dossier import Status
from chalicelib.domain.dossier_counts import LIST_ORDER
from chalicelib.domain.errors import InvalidRequest
from chalicelib.services.ports import ListFilters, ListPage, PlanRequests

# A filtered page reads at most this many index pages of this many lines each, so a rare filter
# costs a bounded number of requests and says where to go on (`next_page`) instead of reading on.
MAX_REQUESTS = 4
LINES_PER_REQUEST = 400
_KEY_NAMES = ("pk", "sk", "list_pk", "list_sk")


def _table() -> Any:
    """The table's connection as the models hold it (keys and indexes known from the models, so
    no DescribeTable): raw queries, because the counters are attributes no model declares."""
    return DossierItem._get_connection()


def _number(value: dict[str, str]) -> int | None:
    return int(value["N"]) if "N" in value else None


def _cursor(key: dict[str, Any]) -> str:
    plain = {name: key[name]["S"] for name in _KEY_NAMES}
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def _start_key(client_id: str, cursor: str) -> dict[str, Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        plain = json.loads(base64.urlsafe_b64decode(padded.encode()))
        key = {name: {"S": str(plain[name])} for name in _KEY_NAMES}
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidRequest('"page" is not a page of this list: start again without it') from error
    # A cursor is only good for the list it came from.
    if key["list_pk"]["S"] != f"LIST#{client_id}" or not key["pk"]["S"].startswith(f"DOSSIER#{client_id}#"):
        raise InvalidRequest('"page" is not a page of this list: start again without it')
    return key


def _filter(filters: ListFilters) -> Condition | None:
    conditions: list[Condition] = []
    if filters.query:
        conditions.append(Path("search").contains(filters.query.casefold()))
    if filters.oldest_due_from:
        conditions.append(Path("oldest_due") >= filters.oldest_due_from)
    if filters.oldest_due_to:
        conditions.append(Path("oldest_due") <= filters.oldest_due_to)
    if filters.disputed is not None:
        conditions.append(Path("disputed") == int(filters.disputed))
    if filters.in_arrangement is not None:
        conditions.append(Path("arrangement") == int(filters.in_arrangement))
    if filters.channel:
        conditions.append(Path("channel") == filters.channel)
    combined: Condition | None = None
    for condition in conditions:
        combined = condition if combined is None else combined & condition
    return combined


class DynamoClientViews:
    def counts(self, client_id: str) -> tuple[dict[str, int], dict[str, Any] | None]:
        counts: dict[str, int] = {}
        profile: dict[str, Any] | None = None
        start: dict[str, Any] | None = None
        while True:
            answer = _table().query(counter_pk(client_id), exclusive_start_key=start)
            for item in answer.get("Items", []):
                sk = item["sk"]["S"]
                if sk == "PROFILE":
                    profile = json.loads(item["body"]["S"])
                elif sk.startswith("COUNTS#"):
                    for name, value in item.items():
                        number = _number(value) if name not in ("pk", "sk") else None
                        if number is not None:
                            counts[name] = counts.get(name, 0) + number
            start = answer.get("LastEvaluatedKey")
            if not start:
                return counts, profile

    def dossier_page(self, client_id: str, filters: ListFilters, after: str | None, size: int) -> ListPage:
        in_status = None
        if filters.status:
            prefix = f"{LIST_ORDER[Status(filters.status)]}#{filters.status}#"
            in_status = Path("list_sk").startswith(prefix)
        extra = _filter(filters)
        start = _start_key(client_id, after) if after else None
        lines: list[dict[str, Any]] = []
        requests = 0
        last_key: dict[str, Any] | None = None
        while requests < (1 if extra is None else MAX_REQUESTS):
            answer = _table().query(
                f"LIST#{client_id}",
                range_key_condition=in_status,
                filter_condition=extra,
                index_name="client_list",
                exclusive_start_key=start,
                limit=(size - len(lines)) if extra is None else LINES_PER_REQUEST,
            )
            requests += 1
            for item in answer.get("Items", []):
                lines.append(json.loads(item["line"]["S"]))
                last_key = item
                if len(lines) == size:
                    break
            if len(lines) == size:
                more = item is not answer["Items"][-1] or bool(answer.get("LastEvaluatedKey"))
                return ListPage(lines, _cursor(last_key) if more and last_key else None, requests)
            start = answer.get("LastEvaluatedKey")
            if not start:
                return ListPage(lines, None, requests)
        # Read as far as a page may: the next page starts where this one stopped reading.
        return ListPage(lines, _cursor(start) if start else None, requests)


# The first group of the list order (domain/dossier_counts.py): what waits for the client.
WAITING_GROUP = "1#"


class DynamoWaitingDossiers:
    """The dossiers that may wait for the client: the list's first group (awaiting a hand-over
    decision, disputed) in one Query, from the group being chased those with an open dispute on
    some of their invoices (a filtered Query over that group: once a day, for the digest), and
    the debtors who asked for a plan (`PLANREQ#<client>`)."""

    def __init__(self, plan_requests: PlanRequests) -> None:
        self._plan_requests = plan_requests

    def waiting_debtor_ids(self, client_id: str) -> list[str]:
        found: list[str] = list(self._plan_requests.debtor_ids(client_id))
        for prefix, extra in (
            (WAITING_GROUP, None),
            ("2#", Path("disputed") == 1),
        ):
            start: dict[str, Any] | None = None
            while True:
                answer = _table().query(
                    f"LIST#{client_id}",
                    range_key_condition=Path("list_sk").startswith(prefix),
                    filter_condition=extra,
                    index_name="client_list",
                    exclusive_start_key=start,
                )
                found += [item["list_sk"]["S"].split("#", 2)[2] for item in answer.get("Items", [])]
                start = answer.get("LastEvaluatedKey")
                if not start:
                    break
        return sorted(set(found))
