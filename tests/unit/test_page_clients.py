"""The debtor page reads its client at most once a minute per instance."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.domain.clients import Client
from chalicelib.web.page_clients import RecentClients
from tests.builders import CLUB
from tests.fakes import FakeClientDirectory


class Counting(FakeClientDirectory):
    reads = 0

    def get(self, client_id: str) -> Client | None:
        self.reads += 1
        return super().get(client_id)


def test_a_client_is_read_once_a_minute_and_a_change_shows_after_it() -> None:
    directory = Counting()
    directory.save(CLUB)
    seconds = [0.0]
    clients = RecentClients(directory, clock=lambda: seconds[0])
    assert clients.get(CLUB.client_id) == CLUB
    directory.save(replace(CLUB, name="Nieuwe naam"))
    seconds[0] = 59.0
    assert clients.get(CLUB.client_id) == CLUB and directory.reads == 1
    seconds[0] = 60.0
    fresh = clients.get(CLUB.client_id)
    assert fresh is not None and fresh.name == "Nieuwe naam"
    assert directory.reads == 2
