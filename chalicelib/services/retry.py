"""Optimistic locking: a webhook and a sweep racing on one dossier must never lose an update."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from chalicelib.domain.errors import ConcurrentChange

if TYPE_CHECKING:
    from chalicelib.domain.dossier import Dossier
    from chalicelib.services.ports import DossierRepository

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


def saved_first(dossiers: DossierRepository, dossier: Dossier) -> bool:
    """Save; False when another worker saved first (it claimed this step, so we stand back)."""
    try:
        dossiers.save(dossier)
    except ConcurrentChange:
        return False
    return True
