"""moto's DynamoDB takes a rollback copy of the whole table once for every item of a transaction
(moto 5.2.5, `DynamoDBBackend.transact_write_items`), where once per table is what a rollback
needs: nothing changes before the copies are taken. Measured here: with 1,700 dossiers in the
table a 100-item transaction took about 6 s, and the first import of a 5,000-row list 215 s,
because new dossiers are created with conditional transactions (a create never overwrites).
DynamoDB itself has no such cost. This makes moto take one copy per table per transaction, for the
tests, the local stack, `debtflow simulate` and the benchmarks; production never imports it.
"""

from __future__ import annotations

import copy
import functools
import threading
from typing import Any

from moto.dynamodb import models
from moto.dynamodb.models.table import Table

_active = threading.local()


class _CopyOncePerTransaction:
    """Stands in for the `copy` module inside moto's DynamoDB models: inside a transaction, a
    table is copied once; everything else is copied as before. Per thread, since the local
    stack's moto server answers requests on several threads."""

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        copies: dict[int, Any] | None = getattr(_active, "copies", None)
        if copies is None or not isinstance(value, Table):
            return copy.deepcopy(value, memo)
        if id(value) not in copies:
            copies[id(value)] = copy.deepcopy(value, memo)
        return copies[id(value)]


def copy_tables_once_per_transaction() -> None:
    """Idempotent: patch moto's DynamoDB backend of this process."""
    backend = models.DynamoDBBackend
    if getattr(backend.transact_write_items, "copies_once", False):
        return
    original = backend.transact_write_items

    @functools.wraps(original)
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        _active.copies = {}
        try:
            original(self, transact_items)
        finally:
            _active.copies = None

    transact_write_items.copies_once = True  # type: ignore[attr-defined]
    backend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    models.copy = _CopyOncePerTransaction  # type: ignore[attr-defined,assignment]
