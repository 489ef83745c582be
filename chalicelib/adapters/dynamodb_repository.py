"""The dossier repository, client directory and upload ledger on the single DynamoDB table."""

from __future__ import annotations

import json
import uuid
import zlib
from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.client_codec import client_from_dict, client_to_dict
from chalicelib.adapters.dossier_codec import (
    dossier_from_dict,
    dossier_to_dict,
    event_from_dict,
    event_to_dict,
    pack,
    unpack,
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
from chalicelib.domain.dossier_counts import LIST_ORDER, DossierFacts, count_changes, facts_of, list_line
from chalicelib.domain.errors import ConcurrentChange
from chalicelib.domain.households import HouseholdItem
from chalicelib.services.ports import CLAIM_LEASE, Claim, LinkOwner, UnstorableDossier

_DOSSIER_SK = "DOSSIER"
_BATCH_GET = 100
_TRANSACTION_ITEMS = 100  # DynamoDB's limits for one TransactWriteItems: 100 items, 4 MB
_TRANSACTION_BYTES = 3_500_000  # a margin below 4 MB for attribute names and request overhead
# The client's counters live in up to COUNTER_ITEMS items (`CLIENT#<client>`, `COUNTS#<n>`): a
# transaction may touch an item once, and an update expression is at most 4 KB, so one item takes
# at most COUNTERS_PER_UPDATE names per transaction; a bulk save gives up to COUNTER_SLOTS of its
# 100 items to them (usually one: 49 new dossiers with their events and the counts in one request).
COUNTER_ITEMS = 16
COUNTERS_PER_UPDATE = 120
COUNTER_SLOTS = 4
# What each loaded dossier counted, by (client, debtor, version): a save adds the difference.
_FACTS_KEPT = 50_000


def _due_sort_key(at: datetime, client_id: str, debtor_id: str) -> str:
    return f"{at.strftime('%Y-%m-%dT%H:%M:%S')}#{client_id}#{debtor_id}"


def _size(item: DossierItem | EventItem) -> int:
    """What an item weighs in a request: its body, text or packed, plus a little for the rest."""
    return len((item.body or "").encode("utf-8")) + len(item.packed or b"") + 512


_Entry = tuple[Dossier, DossierItem, "EventItem | None", Counter[str]]


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def counter_pk(client_id: str) -> str:
    return f"CLIENT#{client_id}"


def counter_updates(client_id: str, changes: Counter[str], seed: str) -> list[dict[str, Any]]:
    """Raw TransactWriteItems updates that ADD `changes` to the client's counter items: at most
    COUNTERS_PER_UPDATE names each, spread over the items from one chosen by `seed`."""
    names = sorted(name for name, value in changes.items() if value)
    first = zlib.crc32(seed.encode()) % COUNTER_ITEMS
    updates = []
    for number, start in enumerate(range(0, len(names), COUNTERS_PER_UPDATE)):
        chunk = names[start : start + COUNTERS_PER_UPDATE]
        updates.append(
            {
                "TableName": DossierItem.Meta.table_name,
                "Key": {
                    "pk": {"S": counter_pk(client_id)},
                    "sk": {"S": f"COUNTS#{(first + number) % COUNTER_ITEMS:02d}"},
                },
                "UpdateExpression": "ADD " + ", ".join(f"#n{i} :v{i}" for i in range(len(chunk))),
                "ExpressionAttributeNames": {f"#n{i}": name for i, name in enumerate(chunk)},
                "ExpressionAttributeValues": {
                    f":v{i}": {"N": str(changes[name])} for i, name in enumerate(chunk)
                },
            }
        )
    return updates


class CountingTransaction(TransactWrite):
    """A TransactWrite that also ADDs to the client's counters: the counts change in the same
    transaction as the dossiers they count, so they move exactly when a save lands (a refused
    version cancels both; a replayed transaction is refused by the versions)."""

    def add_counts(self, updates: list[dict[str, Any]]) -> None:
        # PynamoDB has no raw update for attributes its models do not declare (the counters are
        # named by the data); its update list takes the raw request form.
        self._update_items.extend(updates)


class DynamoDossierRepository:
    def __init__(self) -> None:
        self._facts: OrderedDict[tuple[str, str, int], DossierFacts] = OrderedDict()

    def _remember(self, dossier: Dossier) -> None:
        if dossier.version is None:
            return
        self._facts[(dossier.client_id, dossier.debtor_id, dossier.version)] = facts_of(dossier)
        while len(self._facts) > _FACTS_KEPT:
            self._facts.popitem(last=False)

    def _facts_before(self, dossier: Dossier) -> DossierFacts | None:
        """What the stored version of the dossier counted: None for a new one. A dossier loaded
        elsewhere is read again (the save is conditional on that version anyway)."""
        if dossier.version is None:
            return None
        key = (dossier.client_id, dossier.debtor_id, dossier.version)
        if key not in self._facts:
            try:
                item = DossierItem.get(dossier_pk(dossier.client_id, dossier.debtor_id), _DOSSIER_SK)
            except DossierItem.DoesNotExist:
                return None
            stored = self._dossier(item)
            if stored.version != dossier.version:
                return None  # the save will be refused on its version
            return self._facts.get(key)
        return self._facts[key]

    def _changes(self, dossier: Dossier) -> Counter[str]:
        events = dossier.new_events
        at = events[0].at if events else None
        return Counter(count_changes(self._facts_before(dossier), dossier, events, at))

    def get(self, client_id: str, debtor_id: str) -> Dossier | None:
        try:
            item = DossierItem.get(dossier_pk(client_id, debtor_id), _DOSSIER_SK, consistent_read=True)
        except DossierItem.DoesNotExist:
            return None
        return self._dossier(item)

    def get_many(self, client_id: str, debtor_ids: Iterable[str]) -> dict[str, Dossier]:
        keys = [(dossier_pk(client_id, d), _DOSSIER_SK) for d in dict.fromkeys(debtor_ids)]
        found: dict[str, Dossier] = {}
        for start in range(0, len(keys), _BATCH_GET):
            for item in DossierItem.batch_get(keys[start : start + _BATCH_GET], consistent_read=True):
                dossier = self._dossier(item)
                found[dossier.debtor_id] = dossier
        return found

    def _dossier(self, item: DossierItem) -> Dossier:
        dossier = dossier_from_dict(unpack(item.body, item.packed), item.version)
        self._remember(dossier)
        return dossier

    def save(self, dossier: Dossier) -> None:
        item = self._item(dossier)
        changes = self._changes(dossier)
        try:
            with CountingTransaction(connection=connection()) as transaction:
                transaction.save(item)
                if dossier.new_events:
                    events = self._events_item(dossier, item.pk)
                    transaction.save(events, condition=EventItem.pk.does_not_exist())
                transaction.add_counts(counter_updates(dossier.client_id, changes, dossier.debtor_id))
        except TransactWriteError as error:
            if error.cause_response_code == "TransactionCanceledException":
                raise ConcurrentChange(
                    f"dossier {dossier.client_id}/{dossier.debtor_id} changed meanwhile"
                ) from error
            if error.cause_response_code == "ValidationException":
                raise UnstorableDossier(
                    dossier.client_id, dossier.debtor_id, error.cause_response_message or str(error)
                ) from error
            raise
        dossier.version = item.version
        dossier.new_events.clear()
        self._remember(dossier)

    @staticmethod
    def _item(dossier: Dossier) -> DossierItem:
        body, packed = pack(dossier_to_dict(dossier))
        line = list_line(dossier)
        order = LIST_ORDER[dossier.status]
        item = DossierItem(
            dossier_pk(dossier.client_id, dossier.debtor_id),
            _DOSSIER_SK,
            gsi1pk=f"CLIENT#{dossier.client_id}",
            gsi1sk=f"{'ACTIVE' if dossier.is_active else 'CLOSED'}#{dossier.debtor_id}",
            status=dossier.status.value,
            open_cents=dossier.open_cents,
            body=body,
            packed=packed,
            list_pk=f"LIST#{dossier.client_id}",
            list_sk=f"{order}#{dossier.status.value}#{dossier.debtor_id}",
            line=_compact(
                {
                    "debtor_id": line.debtor_id,
                    "name": line.name,
                    "status": line.status.value,
                    "open_cents": line.open_cents,
                    "owed_cents": line.owed_cents,
                    "oldest_due": line.oldest_due.isoformat() if line.oldest_due else None,
                    "disputed": line.disputed,
                    "in_arrangement": line.in_arrangement,
                    "channel": line.channel,
                }
            ),
            oldest_due=line.oldest_due.isoformat() if line.oldest_due else None,
            disputed=int(line.disputed),
            arrangement=int(line.in_arrangement),
            channel=line.channel,
            search=line.search_text,
        )
        if dossier.next_action_at is not None:
            item.due_pk = due_shard(dossier.client_id, dossier.debtor_id)
            item.due_sk = _due_sort_key(dossier.next_action_at, dossier.client_id, dossier.debtor_id)
        if dossier.version is not None:
            item.version = dossier.version
        return item

    # --- bulk, for the import of a client's list ---------------------------------------------

    def save_many(self, dossiers: list[Dossier]) -> list[Dossier]:
        """Save many dossiers, each with its new audit events, in transactions of up to 100 items
        and under 4 MB (DynamoDB's limits for one TransactWriteItems).

        Each put keeps its condition (the version it read, or "does not exist yet" for a new
        dossier), so a bulk save can neither lose an update nor overwrite a dossier created
        meanwhile. One refused condition cancels its whole transaction: the refused dossiers are
        returned unsaved (the caller reconciles them again from a fresh read), the rest of that
        transaction is sent again without them. A transaction DynamoDB rejects as invalid (an item
        it cannot store) names no item: the whole group is returned, and saving each one alone
        from a fresh read tells which (`save` raises UnstorableDossier). Dossier and events stay
        in one transaction.
        """
        refused: list[Dossier] = []
        group: list[_Entry] = []
        keys: set[str] = set()
        names: set[str] = set()
        actions = size = 0
        for dossier in dossiers:
            item = self._item(dossier)
            events = self._events_item(dossier, item.pk) if dossier.new_events else None
            changes = self._changes(dossier)
            needed = 2 if events else 1
            weight = _size(item) + (_size(events) if events else 0)
            # A transaction may touch an item once: the same dossier twice goes in the next one.
            counter_items = -(-len(names | changes.keys()) // COUNTERS_PER_UPDATE)
            if group and (
                actions + needed + counter_items > _TRANSACTION_ITEMS
                or counter_items > COUNTER_SLOTS
                or size + weight > _TRANSACTION_BYTES
                or item.pk in keys
                or group[0][0].client_id != dossier.client_id
            ):
                refused.extend(self._save_group(group))
                group, keys, names, actions, size = [], set(), set(), 0, 0
            group.append((dossier, item, events, changes))
            keys.add(item.pk)
            names |= changes.keys()
            actions += needed
            size += weight
        if group:
            refused.extend(self._save_group(group))
        return refused

    def create_many(self, dossiers: list[Dossier]) -> list[Dossier]:
        """Create new dossiers, each with its opening events; returns the ones that exist already,
        unsaved (another import, or a redelivery of this one, created them since they were read
        as absent): the caller reconciles them as updates from a fresh read.

        Every create is conditional (the dossier must not exist): two imports of one client run
        in parallel (the upload claim covers one file), and an unconditional write would reset a
        dossier the other import just opened to step 0, so its day-0 reminder would go out twice.
        BatchWriteItem has no conditions; conditional single puts in parallel would lose the
        atomicity of a dossier with its events item. So this is the transactions of `save_many`:
        49 dossiers with their events and the client's counts per TransactWriteItems, a quarter of the requests of the
        12-dossier BatchWriteItem requests it replaces (the 100,000-row benchmark: 3,001
        BatchWriteItem before, ~670 TransactWriteItems now), at twice the write units per item.
        """
        return self.save_many(dossiers)

    def _save_group(self, group: list[_Entry]) -> list[Dossier]:
        refused: list[Dossier] = []
        while group:
            owners: list[Dossier] = []
            total: Counter[str] = Counter()
            for _, _, _, changes in group:
                total.update(changes)
            try:
                with CountingTransaction(connection=connection()) as transaction:
                    for dossier, item, events, _ in group:
                        transaction.save(item)
                        owners.append(dossier)
                        if events is not None:
                            transaction.save(events, condition=EventItem.pk.does_not_exist())
                            owners.append(dossier)
                    transaction.add_counts(
                        counter_updates(group[0][0].client_id, total, group[0][0].debtor_id)
                    )
            except TransactWriteError as error:
                if error.cause_response_code == "ValidationException":
                    refused.extend(dossier for dossier, _, _, _ in group)
                    return refused
                if error.cause_response_code != "TransactionCanceledException":
                    raise
                reasons = error.cancellation_reasons
                losers = {
                    id(owners[index])
                    for index, reason in enumerate(reasons)
                    if index < len(owners) and reason is not None and reason.code != "None"
                }
                if not losers:  # cancelled for a reason that names no item: treat all as refused
                    losers = {id(d) for d, _, _, _ in group}
                refused.extend(d for d, _, _, _ in group if id(d) in losers)
                group = [entry for entry in group if id(entry[0]) not in losers]
                continue
            for dossier, item, _, _ in group:
                dossier.version = item.version
                dossier.new_events.clear()
                self._remember(dossier)
            return refused
        return refused

    @staticmethod
    def _events_item(dossier: Dossier, pk: str) -> EventItem:
        # One item per save keeps a save at two writes however many events it holds.
        body, packed = pack([event_to_dict(e) for e in dossier.new_events])
        return EventItem(
            pk,
            f"EVENT#{dossier.new_events[0].at.isoformat()}#{(dossier.version or 0) + 1:06d}",
            body=body,
            packed=packed,
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
            for e in unpack(item.body, item.packed)
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
        body = asdict(owner) | {
            "household": [asdict(i) | {"due_date": i.due_date.isoformat()} for i in owner.household]
        }
        PaymentLinkItem(f"PAYLINK#{owner.client_id}#{link_id}", "LINK", body=_compact(body)).save()

    def find(self, client_id: str, link_id: str) -> LinkOwner | None:
        try:
            item = PaymentLinkItem.get(f"PAYLINK#{client_id}#{link_id}", "LINK")
        except PaymentLinkItem.DoesNotExist:
            return None
        data = json.loads(item.body)
        household = tuple(
            HouseholdItem(i["debtor_id"], i["number"], date.fromisoformat(i["due_date"]), i["cents"])
            for i in data.pop("household", ())
        )
        return LinkOwner(**data, household=household)


def _error_code(error: PutError) -> str | None:
    """DynamoDB's error code; None for an error without an answer (pynamodb's own
    `cause_response_code` fails on those: their `response` is None)."""
    response = getattr(error.cause, "response", None) or {}
    code = response.get("Error", {}).get("Code")
    return str(code) if code is not None else None


class DynamoUploadLedger:
    @staticmethod
    def _keys(client_id: str, key: str, etag: str) -> tuple[str, str]:
        return f"UPLOAD#{client_id}#{key}", f"ETAG#{etag}"

    def claim(self, client_id: str, key: str, etag: str, now: datetime) -> Claim:
        pk, sk = self._keys(client_id, key, etag)
        stale_before = (now - CLAIM_LEASE).isoformat()
        token = uuid.uuid4().hex
        try:
            UploadItem(pk, sk, status="importing", claimed_at=now.isoformat(), claimed_by=token).save(
                condition=UploadItem.pk.does_not_exist()
                | ((UploadItem.status == "importing") & (UploadItem.claimed_at <= stale_before))
            )
        except PutError as error:
            if _error_code(error) != "ConditionalCheckFailedException":
                # No answer (a timeout, a lost response): the claim may have been written. If it
                # was, every redelivery would find it held until the lease ends and the list would
                # go to the dead letters unimported; the token says whether it is ours.
                if self._held_by(pk, sk, token):
                    return Claim.CLAIMED
                raise
            held = UploadItem.get(pk, sk, consistent_read=True)
            return Claim.DONE if held.status in ("imported", "split") else Claim.BUSY
        return Claim.CLAIMED

    @staticmethod
    def _held_by(pk: str, sk: str, token: str) -> bool:
        try:
            return UploadItem.get(pk, sk, consistent_read=True).claimed_by == token
        except UploadItem.DoesNotExist:
            return False

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
