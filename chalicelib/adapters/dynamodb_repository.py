"""The dossier repository, client directory and upload ledger on the single DynamoDB table."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime
from typing import Any

from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dossier_codec import (
    dossier_from_dict,
    dossier_to_dict,
    event_from_dict,
    event_to_dict,
)
from chalicelib.adapters.table import (
    DUE_SHARDS,
    ClientItem,
    DossierItem,
    EventItem,
    UploadItem,
    connection,
    dossier_pk,
    due_shard,
)
from chalicelib.domain.clients import Client
from chalicelib.domain.debtor_list import DebtorType
from chalicelib.domain.dossier import AuditEvent, Dossier
from chalicelib.domain.errors import ConcurrentChange

_DOSSIER_SK = "DOSSIER"
_BATCH_GET = 100


def _due_sort_key(at: datetime, client_id: str, debtor_id: str) -> str:
    return f"{at.strftime('%Y-%m-%dT%H:%M:%S')}#{client_id}#{debtor_id}"


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


class DynamoDossierRepository:
    def get(self, client_id: str, debtor_id: str) -> Dossier | None:
        try:
            item = DossierItem.get(dossier_pk(client_id, debtor_id), _DOSSIER_SK, consistent_read=True)
        except DossierItem.DoesNotExist:
            return None
        return dossier_from_dict(json.loads(item.body), item.version)

    def get_many(self, client_id: str, debtor_ids: Iterable[str]) -> dict[str, Dossier]:
        keys = [(dossier_pk(client_id, d), _DOSSIER_SK) for d in dict.fromkeys(debtor_ids)]
        found: dict[str, Dossier] = {}
        for start in range(0, len(keys), _BATCH_GET):
            for item in DossierItem.batch_get(keys[start : start + _BATCH_GET], consistent_read=True):
                dossier = dossier_from_dict(json.loads(item.body), item.version)
                found[dossier.debtor_id] = dossier
        return found

    def save(self, dossier: Dossier) -> None:
        item = self._item(dossier)
        try:
            with TransactWrite(connection=connection()) as transaction:
                transaction.save(item)
                if dossier.new_events:
                    # One item per save keeps a save at two writes however many events it holds.
                    events = EventItem(
                        item.pk,
                        f"EVENT#{dossier.new_events[0].at.isoformat()}#{(dossier.version or 0) + 1:06d}",
                        body=_compact([event_to_dict(e) for e in dossier.new_events]),
                    )
                    transaction.save(events, condition=EventItem.pk.does_not_exist())
        except TransactWriteError as error:
            if error.cause_response_code == "TransactionCanceledException":
                raise ConcurrentChange(
                    f"dossier {dossier.client_id}/{dossier.debtor_id} changed meanwhile"
                ) from error
            raise
        dossier.version = item.version
        dossier.new_events.clear()

    @staticmethod
    def _item(dossier: Dossier) -> DossierItem:
        item = DossierItem(
            dossier_pk(dossier.client_id, dossier.debtor_id),
            _DOSSIER_SK,
            gsi1pk=f"CLIENT#{dossier.client_id}",
            gsi1sk=f"{'ACTIVE' if dossier.is_active else 'CLOSED'}#{dossier.debtor_id}",
            status=dossier.status.value,
            open_cents=dossier.open_cents,
            body=_compact(dossier_to_dict(dossier)),
        )
        if dossier.next_action_at is not None:
            item.due_pk = due_shard(dossier.client_id, dossier.debtor_id)
            item.due_sk = _due_sort_key(dossier.next_action_at, dossier.client_id, dossier.debtor_id)
        if dossier.version is not None:
            item.version = dossier.version
        return item

    def active_debtor_ids(self, client_id: str) -> list[str]:
        return [
            item.gsi1sk.split("#", 1)[1]
            for item in DossierItem.by_client.query(
                f"CLIENT#{client_id}", DossierItem.gsi1sk.startswith("ACTIVE#")
            )
            if item.gsi1sk
        ]

    def list_for_client(self, client_id: str) -> list[Dossier]:
        debtor_ids = [
            item.gsi1sk.split("#", 1)[1]
            for item in DossierItem.by_client.query(f"CLIENT#{client_id}")
            if item.gsi1sk
        ]
        found = self.get_many(client_id, debtor_ids)
        return [found[d] for d in debtor_ids if d in found]

    def due(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        bound = f"{now.strftime('%Y-%m-%dT%H:%M:%S')}#~"
        due: list[tuple[str, str]] = []
        for shard in range(DUE_SHARDS):
            for item in DossierItem.due.query(
                f"DUE#{shard}", DossierItem.due_sk <= bound, limit=limit - len(due)
            ):
                _, client_id, debtor_id = (item.pk or "").split("#", 2)
                due.append((client_id, debtor_id))
            if len(due) >= limit:
                break
        return due

    def events(self, client_id: str, debtor_id: str) -> list[AuditEvent]:
        return [
            event_from_dict(e)
            for item in EventItem.query(dossier_pk(client_id, debtor_id), EventItem.sk.startswith("EVENT#"))
            for e in json.loads(item.body)
        ]


class DynamoClientDirectory:
    def get(self, client_id: str) -> Client | None:
        try:
            item = ClientItem.get(f"CLIENT#{client_id}", "PROFILE")
        except ClientItem.DoesNotExist:
            return None
        data = json.loads(item.body)
        data["default_debtor_type"] = DebtorType(data["default_debtor_type"])
        return Client(**data)

    def save(self, client: Client) -> None:
        data = asdict(client)
        data["default_debtor_type"] = client.default_debtor_type.value
        ClientItem(f"CLIENT#{client.client_id}", "PROFILE", body=_compact(data)).save()


class DynamoUploadLedger:
    @staticmethod
    def _keys(client_id: str, key: str, etag: str) -> tuple[str, str]:
        return f"UPLOAD#{client_id}#{key}", f"ETAG#{etag}"

    def claim(self, client_id: str, key: str, etag: str, now: datetime) -> bool:
        pk, sk = self._keys(client_id, key, etag)
        try:
            UploadItem(pk, sk, status="importing", body=_compact({"claimed_at": now.isoformat()})).save(
                condition=UploadItem.pk.does_not_exist()
            )
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def complete(self, client_id: str, key: str, etag: str, summary: dict[str, Any]) -> None:
        pk, sk = self._keys(client_id, key, etag)
        UploadItem(pk, sk, status="imported", body=_compact(summary)).save()

    def release(self, client_id: str, key: str, etag: str) -> None:
        pk, sk = self._keys(client_id, key, etag)
        UploadItem(pk, sk, status="released").delete()
