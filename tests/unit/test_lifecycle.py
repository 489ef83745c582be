"""The transition table is the single list of what may happen to a dossier: every trigger in it is
fired somewhere in the product, and every status can be left or is an end."""

from __future__ import annotations

import re
from pathlib import Path

from chalicelib.domain.dossier import ACTIVE, CLOSED, TRANSITIONS, Status, Trigger

PRODUCT = Path(__file__).resolve().parents[2] / "chalicelib"
TABLE = PRODUCT / "domain" / "dossier" / "lifecycle.py"


def test_every_trigger_in_the_table_is_fired_by_product_code() -> None:
    fired: set[str] = set()
    for source in PRODUCT.rglob("*.py"):
        if source != TABLE:
            fired |= set(re.findall(r"\bTrigger\.([A-Z_]+)\b", source.read_text("utf-8")))
    in_table = {trigger.name for _, trigger in TRANSITIONS}
    assert in_table - fired == set(), "triggers nothing fires: remove them or build what fires them"
    assert {t.name for t in Trigger} == in_table, "a trigger outside the table can never be applied"


def test_every_active_status_can_be_left_and_closed_ones_can_be_reopened() -> None:
    leaving = {status for status, trigger in TRANSITIONS if TRANSITIONS[(status, trigger)] is not status}
    assert set(ACTIVE) <= leaving
    assert all((status, Trigger.REOPENED) in TRANSITIONS for status in CLOSED)
    # Handed over is the end of our part: only the client's books can still settle it.
    assert {t for s, t in TRANSITIONS if s is Status.HANDED_OVER} == {
        Trigger.SETTLED_BY_CLIENT,
        Trigger.EMAIL_ADDRESS_REJECTED,
    }
