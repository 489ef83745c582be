"""What reaches the logs: Mollie's idempotency keys carry no debtor number or amount, and the
libraries that echo request data are capped."""

from __future__ import annotations

import logging

from chalicelib.log_setup import quiet_third_party_loggers
from chalicelib.services.payments import idempotency_key


def test_an_idempotency_key_is_a_deterministic_hash_without_the_facts() -> None:
    facts = "club-42:10001:step1:18500:until2026-12-30"
    key = idempotency_key(facts)
    assert key == idempotency_key(facts) and len(key) == 64
    assert "10001" not in key and "18500" not in key
    assert key != idempotency_key(facts.replace("18500", "18501"))


def test_the_libraries_that_echo_request_data_are_capped() -> None:
    quiet_third_party_loggers()
    assert logging.getLogger("mollie").getEffectiveLevel() == logging.ERROR
    for name in ("botocore", "botocore.endpoint", "botocore.parsers", "pynamodb", "urllib3"):
        assert not logging.getLogger(name).isEnabledFor(logging.INFO), name


def test_mollies_replay_warning_through_the_root_logger_is_dropped() -> None:
    import mollie.api.resources.base as mollie_base

    quiet_third_party_loggers()
    root = logging.getLogger()
    # What `logging.warning(...)` in mollie's base resource creates: a root record from its file.
    replayed = root.makeRecord(
        "root", logging.WARNING, mollie_base.__file__, 64, "Idempotency-Key %s", ("k",), None
    )
    assert not root.filter(replayed)
    ours = root.makeRecord("root", logging.WARNING, __file__, 1, "ours", (), None)
    assert root.filter(ours)  # Python 3.12+ answers with the record itself, before that True
