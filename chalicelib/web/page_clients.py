"""The client (creditor) a debtor's page shows, kept for a minute per warm instance.

Every page view needs the client's name, address and rules, which change rarely; reading them
once a minute instead of on every view takes one of the page's three DynamoDB requests away (the
personal link and the dossier remain). A change to a client reaches the page within a minute.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from chalicelib.domain.clients import Client
from chalicelib.services.ports import ClientDirectory

KEEP_SECONDS = 60.0


class RecentClients:
    def __init__(
        self,
        directory: ClientDirectory,
        clock: Callable[[], float] = time.monotonic,
        keep: float = KEEP_SECONDS,
    ) -> None:
        self._directory = directory
        self._clock = clock
        self._keep = keep
        self._read: dict[str, tuple[float, Client | None]] = {}

    def get(self, client_id: str) -> Client | None:
        now = self._clock()
        hit = self._read.get(client_id)
        if hit is not None and now - hit[0] < self._keep:
            return hit[1]
        client = self._directory.get(client_id)
        self._read[client_id] = (now, client)
        return client
