"""Find the dossiers whose next step is due and queue one action message for each."""

from __future__ import annotations

from datetime import datetime

from chalicelib.services.ports import ActionQueue, DossierRepository

# One sweep stays well inside a Lambda's time; what is left is picked up 15 minutes later.
SWEEP_LIMIT = 5000


def sweep_due(
    now: datetime, dossiers: DossierRepository, queue: ActionQueue, limit: int = SWEEP_LIMIT
) -> int:
    due = dossiers.due(now, limit)
    if not due:
        return 0
    return queue.enqueue(due, now)
