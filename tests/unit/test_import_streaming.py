"""A large list is read row by row: memory stays bounded."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Iterator

from chalicelib.domain.debtor_list import InvoiceLine
from chalicelib.importing import ImportSettings, read_debtor_list

ROWS = 200_000


class GeneratedList(io.RawIOBase):
    """A 200,000-row CSV produced while it is read, so the test itself holds no copy of it."""

    def __init__(self) -> None:
        self._lines: Iterator[bytes] = self._generate()
        self._pending = b""

    @staticmethod
    def _generate() -> Iterator[bytes]:
        yield b"Relatiecode;Naam;Factuurnummer;Factuurdatum;Vervaldatum;Openstaand;E-mail;Telefoon\n"
        for start in range(0, ROWS, 1000):  # a thousand lines at a time keeps the generator cheap
            yield "".join(
                f"{debtor};Klant {debtor} B.V.;F{n:07d};01-10-2026;{1 + n % 28:02d}-11-2026;"
                f"{n % 9000},{n % 100:02d};klant{debtor}@voorbeeld.nl;06{20000000 + debtor}\n"
                for n in range(start, start + 1000)
                for debtor in (10_000 + n // 3,)
            ).encode()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while len(self._pending) < len(buffer):
            line = next(self._lines, None)
            if line is None:
                break
            self._pending += line
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def test_a_200k_row_list_streams_in_bounded_memory() -> None:
    tracemalloc.start()
    try:
        reader = read_debtor_list(GeneratedList(), "groot.csv", ImportSettings())  # type: ignore[arg-type]
        accepted = total = 0
        for outcome in reader:
            if isinstance(outcome, InvoiceLine):
                accepted += 1
                total += outcome.open_cents
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert accepted == ROWS
    assert reader.rows_seen == ROWS
    assert peak < 50 * 1024 * 1024
