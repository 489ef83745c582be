"""Load a dossier, change it, save it with its audit events: the one place that retries.

Optimistic locking: every save carries the version that was read, so a webhook and a sweep racing
on one dossier never lose an update. A use case hands `change` a function that calls one
`Dossier` method; when someone else saved first, the whole change runs again on a fresh read.
Side effects (e-mail, files) come after `change` returns: a failed save never sends anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from chalicelib.domain.dossier import Dossier
from chalicelib.domain.errors import ConcurrentChange, DossierNotFound
from chalicelib.services.ports import DossierRepository

T = TypeVar("T")
ATTEMPTS = 5


class DossierUnitOfWork:
    def __init__(self, dossiers: DossierRepository, attempts: int = ATTEMPTS) -> None:
        self.dossiers = dossiers
        self.attempts = attempts

    def change(self, client_id: str, debtor_id: str, change: Callable[[Dossier], T]) -> T:
        """Run `change` on the stored dossier and save it; DossierNotFound when there is none.
        A change that recorded no event changed nothing and is not saved."""

        def attempt() -> T:
            dossier = self.dossiers.get(client_id, debtor_id)
            if dossier is None:
                raise DossierNotFound(client_id, debtor_id)
            result = change(dossier)
            if dossier.new_events:  # every change leaves an event: none, nothing to save
                self.dossiers.save(dossier)
            return result

        return self.retry(attempt)

    def retry(self, attempt: Callable[[], T]) -> T:
        """Run load-change-save again from a fresh read when someone else saved meanwhile (also
        for the import, which loads and saves dossiers in bulk itself)."""
        for _ in range(self.attempts - 1):
            try:
                return attempt()
            except ConcurrentChange:
                continue
        return attempt()

    def claim(self, dossier: Dossier) -> bool:
        """Save a dossier read moments ago; False when another worker saved first (it claimed
        the same step, so this one stands back and sends nothing)."""
        try:
            self.dossiers.save(dossier)
        except ConcurrentChange:
            return False
        return True
