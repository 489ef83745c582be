"""Optimistic locking: a webhook and a sweep racing on one dossier must never lose an update."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from chalicelib.domain.errors import ConcurrentChange

T = TypeVar("T")
ATTEMPTS = 5


def on_conflict_retry(change: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """Run load-change-save again from a fresh read when someone else saved meanwhile."""
    for _ in range(attempts - 1):
        try:
            return change()
        except ConcurrentChange:
            continue
    return change()
