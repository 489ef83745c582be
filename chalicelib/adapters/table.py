"""The single DynamoDB table: PynamoDB models. The only code that knows the keys.

Item collections (PK):
- `DOSSIER#<client>#<debtor>`: the dossier (SK `DOSSIER`) and its audit events (SK `EVENT#...`),
  read together in one Query;
- `CLIENT#<client>`: the client's profile (SK `PROFILE`) and its dashboard counters (SK
  `COUNTS#<n>`, a few items of number attributes named like `status:reminded`, added to in the
  same transaction as every dossier save; read together with one Query);
- `UPLOAD#<client>#<key>`: one marker per imported file version (SK `ETAG#<etag>`), so a
  redelivered S3 notification imports nothing twice;
- `CLIENTS`: one entry per client (SK `<client_id>`), so daily jobs list clients with a Query;
- `PAYLINK#<client>#<link_id>`: which dossier a Mollie payment link belongs to (SK `LINK`);
- `PAGELINK#<sha256 of token>`: a debtor's personal link (SK `LINK`), removed by the TTL after it
  expired; `PROBE#<hashed source>`: failed link visits of one source in one minute (SK the minute);
- `SESMSG#<message id>`: which dossier an e-mail SES accepted was for (SK `MESSAGE`), so a bounce
  or complaint finds its dossier; expires (TTL `expires_at`) when SES feedback can no longer come.
GSIs: `by_client` (every debtor id of a client, for the import), `client_list` (the dashboard's
list: one line per dossier with the attributes it filters on, in a per-client partition sorted by
what needs the client first) and the sparse, sharded `due` index that the sweep
queries: only dossiers with a next action carry its keys, so the sweep's cost grows with the due
set, not with the table.
"""

from __future__ import annotations

import os
import zlib
from functools import cache
from typing import Any

from pynamodb.attributes import (
    BinaryAttribute,
    NumberAttribute,
    NumberSetAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.connection import Connection
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

DUE_SHARDS = 8


def dossier_pk(client_id: str, debtor_id: str) -> str:
    return f"DOSSIER#{client_id}#{debtor_id}"


def due_shard(client_id: str, debtor_id: str) -> str:
    # A stable hash (not Python's randomised hash()) so a dossier keeps its shard across runs.
    return f"DUE#{zlib.crc32(f'{client_id}#{debtor_id}'.encode()) % DUE_SHARDS}"


class ByClientIndex(GlobalSecondaryIndex["DossierItem"]):
    class Meta:
        index_name = "by_client"
        projection = KeysOnlyProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


# What the list shows and filters on travels into the index; nothing else of the dossier does.
LIST_ATTRIBUTES = ["line", "status", "oldest_due", "disputed", "arrangement", "channel", "search"]


class ClientListIndex(GlobalSecondaryIndex["DossierItem"]):
    class Meta:
        index_name = "client_list"
        projection = IncludeProjection(LIST_ATTRIBUTES)

    list_pk = UnicodeAttribute(hash_key=True)
    list_sk = UnicodeAttribute(range_key=True)


class DueIndex(GlobalSecondaryIndex["DossierItem"]):
    class Meta:
        index_name = "due"
        projection = KeysOnlyProjection()

    due_pk = UnicodeAttribute(hash_key=True)
    due_sk = UnicodeAttribute(range_key=True)


_TABLE_NAME = os.environ.get("TABLE_NAME", "debtflow")
_REGION = os.environ.get("AWS_DEFAULT_REGION", "eu-west-1")


class TableItem(Model):
    """What every item of the single table shares: the table, and its two keys."""

    class Meta:
        table_name = _TABLE_NAME
        region = _REGION
        host: str | None = None

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class DossierItem(TableItem):
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    due_pk = UnicodeAttribute(null=True)
    due_sk = UnicodeAttribute(null=True)
    list_pk = UnicodeAttribute(null=True)
    list_sk = UnicodeAttribute(null=True)
    # The dossier's line in the list (JSON) and the values the list filters on.
    line = UnicodeAttribute(null=True)
    oldest_due = UnicodeAttribute(null=True)
    disputed = NumberAttribute(null=True)
    arrangement = NumberAttribute(null=True)
    channel = UnicodeAttribute(null=True)
    search = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)
    open_cents = NumberAttribute(null=True)
    # The dossier as JSON text, or zlib-compressed JSON in `packed` once it is large (a debtor
    # with thousands of invoices): DynamoDB refuses items over 400 KB. Exactly one is set.
    body = UnicodeAttribute(null=True)
    packed = BinaryAttribute(null=True, legacy_encoding=False)
    version = VersionAttribute()

    by_client = ByClientIndex()
    client_list = ClientListIndex()
    due = DueIndex()


class EventItem(TableItem):
    """An audit event: append-only, written in the same transaction as the dossier change.
    Opening a dossier of 10,000 invoices records 10,000 events (~2 MB of JSON): packed like the
    dossier's body when large."""

    body = UnicodeAttribute(null=True)
    packed = BinaryAttribute(null=True, legacy_encoding=False)


class ClientItem(TableItem):
    body = UnicodeAttribute()


class UploadItem(TableItem):
    status = UnicodeAttribute()
    claimed_at = UnicodeAttribute(null=True)
    # Which invocation holds the claim (a random token): after a write whose answer was lost, it
    # tells the invocation that wrote the claim from another one holding it.
    claimed_by = UnicodeAttribute(null=True)
    body = UnicodeAttribute(null=True)
    shards = NumberSetAttribute(null=True)  # a split import's finished shards


class PaymentLinkItem(TableItem):
    """A Mollie payment link's owner: payment links (and their payments) carry no metadata."""

    body = UnicodeAttribute()


class SentEmailItem(TableItem):
    """An SES message id's dossier; removed by the table's TTL."""

    body = UnicodeAttribute()
    expires_at = NumberAttribute()


class PersonalLinkItem(TableItem):
    """A debtor's personal link; removed by the table's TTL some time after it expired."""

    body = UnicodeAttribute()
    expires_at = NumberAttribute()


class BadTokenItem(TableItem):
    """Failed personal-link visits of one source in one minute; removed by the TTL."""

    failures = NumberAttribute(default=0)
    expires_at = NumberAttribute()


class DigestItem(TableItem):
    """A client's daily digest, claimed before it is sent; removed by the TTL."""

    sent_at = UnicodeAttribute()
    expires_at = NumberAttribute()


class PlanRequestItem(TableItem):
    """A debtor's plan request to its client, for the daily digest; removed by the TTL."""

    asked_at = UnicodeAttribute()
    expires_at = NumberAttribute()


MODELS: tuple[type[Model], ...] = (
    TableItem,
    DossierItem,
    EventItem,
    ClientItem,
    UploadItem,
    PaymentLinkItem,
    SentEmailItem,
    PersonalLinkItem,
    BadTokenItem,
    DigestItem,
    PlanRequestItem,
)


def bind(table_name: str, *, host: str | None = None, region: str | None = None) -> None:
    """Point every model at a table (the stage's, or moto's in tests and the local stack)."""
    # One Meta, inherited by every model: setting it once points them all.
    TableItem.Meta.table_name = table_name
    TableItem.Meta.host = host
    if region:
        TableItem.Meta.region = region
    for model in MODELS:
        model._connection = None
    connection.cache_clear()


@cache
def connection() -> Connection:
    """For transactions and batch writes, which PynamoDB runs on an explicit connection.

    One per process: each new Connection builds its own botocore client (~150 ms of CPU, measured
    in the import benchmark), which a save per dossier must not pay."""
    return Connection(region=DossierItem.Meta.region, host=DossierItem.Meta.host)


def table_definition() -> dict[str, Any]:
    """Keys and indexes as CreateTable expects them; infra/ declares the same (a test compares)."""
    return {
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": "S"}
            for name in ("pk", "sk", "gsi1pk", "gsi1sk", "due_pk", "due_sk", "list_pk", "list_sk")
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "by_client",
                "KeySchema": [
                    {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                    {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
            {
                "IndexName": "client_list",
                "KeySchema": [
                    {"AttributeName": "list_pk", "KeyType": "HASH"},
                    {"AttributeName": "list_sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": LIST_ATTRIBUTES},
            },
            {
                "IndexName": "due",
                "KeySchema": [
                    {"AttributeName": "due_pk", "KeyType": "HASH"},
                    {"AttributeName": "due_sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
