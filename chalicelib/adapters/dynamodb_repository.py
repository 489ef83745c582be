"""The dossier repository, client directory and upload ledger on the single DynamoDB table."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime
from typing import Any

from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.client_codec import client_from_dict, client_to_dict
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
    PaymentLinkItem,
    UploadItem,
    connection,
    dossier_pk,
    due_shard,
)
from chalicelib.domain.clients import Client
from chalicelib.domain.dossier import AuditEvent, Dossier
from chalicelib.domain.errors import ConcurrentChange
from chalicelib.services.ports import CLAIM_LEASE, Claim, LinkOwner

_DOSSIER_SK = "DOSSIER"
_BATCH_GET = 100
_BATCH_WRITE_ITEMS = 25
_TRANSACTION_ITEMS = 100  # DynamoDB's limit for one TransactWriteItems


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

    # --- bulk, for the import of a client's list ---------------------------------------------

    def save_many(self, dossiers: list[Dossier]) -> list[Dossier]:
        """Save many dossiers, each with its new audit events, in transactions of up to 100 items.

        Each put keeps its condition (the version it read, or "does not exist yet" for a new
        dossier), so a bulk save can neither lose an update nor overwrite a dossier created
        meanwhile. One refused condition cancels its whole transaction: the refused dossiers are
        returned unsaved (the caller reconciles them again from a fresh read), the rest of that
        transaction is sent again without them. Dossier and events stay in one transaction.
        """
        refused: list[Dossier] = []
        group: list[Dossier] = []
        keys: set[tuple[str, str]] = set()
        actions = 0
        for dossier in dossiers:
            needed = 2 if dossier.new_events else 1
            key = (dossier.client_id, dossier.debtor_id)
            # A transaction may touch an item once: the same dossier twice goes in the next one.
            if actions + needed > _TRANSACTION_ITEMS or key in keys:
                refused.extend(self._save_group(group))
                group, keys, actions = [], set(), 0
            group.append(dossier)
            keys.add(key)
            actions += needed
        if group:
            refused.extend(self._save_group(group))
        return refused

    def create_many(self, dossiers: list[Dossier]) -> None:
        """Write new dossiers, each with its opening events, by BatchWriteItem (24 of 25 items).

        BatchWriteItem has no conditions: the caller must have just read (consistently) that the
        dossiers do not exist, under the upload ledger's claim that makes one import of a file run
        at a time. A dossier and its events item always travel in the same request, and items
        DynamoDB leaves unprocessed are sent again, so a dossier is not stored without its events
        unless the Lambda dies between a partial answer and its retry (seconds).
        """
        table_name = DossierItem.Meta.table_name
        conn = connection()
        request: list[dict[str, Any]] = []
        for dossier in dossiers:
            item = self._item(dossier)
            item.version = 1
            pair = [{"PutRequest": {"Item": item.serialize()}}]
            if dossier.new_events:
                pair.append({"PutRequest": {"Item": self._events_item(dossier, item.pk).serialize()}})
            if len(request) + len(pair) > _BATCH_WRITE_ITEMS - 1:
                self._batch_write(conn, table_name, request)
                request = []
            request.extend(pair)
        if request:
            self._batch_write(conn, table_name, request)
        for dossier in dossiers:
            dossier.version = 1
            dossier.new_events.clear()

    @staticmethod
    def _batch_write(conn: Any, table_name: str, request: list[dict[str, Any]]) -> None:
        pending = {table_name: request}
        for attempt in range(10):
            response = conn.dispatch("BatchWriteItem", {"RequestItems": pending})
            pending = response.get("UnprocessedItems") or {}
            if not pending:
                return
            time.sleep(min(0.05 * 2**attempt, 2.0))
        raise RuntimeError(f"DynamoDB left {len(pending.get(table_name, []))} items unprocessed")

    def _save_group(self, group: list[Dossier]) -> list[Dossier]:
        refused: list[Dossier] = []
        while group:
            items = [(dossier, self._item(dossier)) for dossier in group]
            owners: list[Dossier] = []
            try:
                with TransactWrite(connection=connection()) as transaction:
                    for dossier, item in items:
                        transaction.save(item)
                        owners.append(dossier)
                        if dossier.new_events:
                            transaction.save(
                                self._events_item(dossier, item.pk), condition=EventItem.pk.does_not_exist()
                            )
                            owners.append(dossier)
            except TransactWriteError as error:
                if error.cause_response_code != "TransactionCanceledException":
                    raise
                reasons = error.cancellation_reasons
                losers = {
                    id(owners[index])
                    for index, reason in enumerate(reasons)
                    if reason is not None and reason.code != "None"
                }
                if not losers:  # cancelled for a reason that names no item: treat all as refused
                    losers = {id(d) for d in group}
                refused.extend(d for d in group if id(d) in losers)
                group = [d for d in group if id(d) not in losers]
                continue
            for dossier, item in items:
                dossier.version = item.version
                dossier.new_events.clear()
            return refused
        return refused

    @staticmethod
    def _events_item(dossier: Dossier, pk: str) -> EventItem:
        return EventItem(
            pk,
            f"EVENT#{dossier.new_events[0].at.isoformat()}#{(dossier.version or 0) + 1:06d}",
            body=_compact([event_to_dict(e) for e in dossier.new_events]),
        )

    def debtor_index(self, client_id: str) -> dict[str, bool]:
        """Every debtor id of the client with a dossier -> is it active. Read from the keys-only
        `by_client` index, ~8,000 debtors per 1 MB page; eventually consistent (a dossier created
        a moment ago may be missing: new dossiers are written with a does-not-exist condition)."""
        index: dict[str, bool] = {}
        for item in DossierItem.by_client.query(f"CLIENT#{client_id}"):
            if item.gsi1sk:
                state, debtor_id = item.gsi1sk.split("#", 1)
                index[debtor_id] = state == "ACTIVE"
        return index

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
        return client_from_dict(json.loads(item.body))

    def save(self, client: Client) -> None:
        data = client_to_dict(client)
        ClientItem(f"CLIENT#{client.client_id}", "PROFILE", body=_compact(data)).save()
        # The directory entry daily jobs query (never a Scan). Profiles saved before it existed
        # appear after their next save.
        ClientItem("CLIENTS", client.client_id, body=_compact(data)).save()

    def all(self) -> list[Client]:
        return [client_from_dict(json.loads(item.body)) for item in ClientItem.query("CLIENTS")]


class DynamoPaymentLinkRegistry:
    def remember(self, link_id: str, owner: LinkOwner) -> None:
        # Unconditional and idempotent: a retried action writes the same owner again.
        PaymentLinkItem(f"PAYLINK#{owner.client_id}#{link_id}", "LINK", body=_compact(asdict(owner))).save()

    def find(self, client_id: str, link_id: str) -> LinkOwner | None:
        try:
            item = PaymentLinkItem.get(f"PAYLINK#{client_id}#{link_id}", "LINK")
        except PaymentLinkItem.DoesNotExist:
            return None
        return LinkOwner(**json.loads(item.body))


class DynamoUploadLedger:
    @staticmethod
    def _keys(client_id: str, key: str, etag: str) -> tuple[str, str]:
        return f"UPLOAD#{client_id}#{key}", f"ETAG#{etag}"

    def claim(self, client_id: str, key: str, etag: str, now: datetime) -> Claim:
        pk, sk = self._keys(client_id, key, etag)
        stale_before = (now - CLAIM_LEASE).isoformat()
        try:
            UploadItem(pk, sk, status="importing", claimed_at=now.isoformat()).save(
                condition=UploadItem.pk.does_not_exist()
                | ((UploadItem.status == "importing") & (UploadItem.claimed_at <= stale_before))
            )
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            held = UploadItem.get(pk, sk, consistent_read=True)
            return Claim.DONE if held.status in ("imported", "split") else Claim.BUSY
        return Claim.CLAIMED

    def complete(self, client_id: str, key: str, etag: str, summary: dict[str, Any]) -> None:
        pk, sk = self._keys(client_id, key, etag)
        UploadItem(pk, sk, status="imported", body=_compact(summary)).save()

    def release(self, client_id: str, key: str, etag: str) -> None:
        pk, sk = self._keys(client_id, key, etag)
        UploadItem(pk, sk, status="released").delete()

    def split(self, client_id: str, key: str, etag: str) -> None:
        pk, sk = self._keys(client_id, key, etag)
        UploadItem(pk, sk, status="importing").update(
            actions=[UploadItem.status.set("split")], condition=UploadItem.pk.exists()
        )

    def shard_done(self, client_id: str, key: str, etag: str, shard: int) -> frozenset[int]:
        # ADD to a set is idempotent: a redelivered chunk (or a replay after a lost response)
        # adds nothing. The condition keeps a released claim from being recreated.
        pk, sk = self._keys(client_id, key, etag)
        item = UploadItem(pk, sk, status="importing")
        item.update(actions=[UploadItem.shards.add({shard})], condition=UploadItem.pk.exists())
        return frozenset(int(s) for s in item.shards or ())

    def shards(self, client_id: str, key: str, etag: str) -> tuple[str | None, frozenset[int]]:
        pk, sk = self._keys(client_id, key, etag)
        try:
            item = UploadItem.get(pk, sk, consistent_read=True)
        except UploadItem.DoesNotExist:
            return None, frozenset()
        return item.status, frozenset(int(s) for s in item.shards or ())
