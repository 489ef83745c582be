"""Personal links and the page's signed values, without AWS."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from chalicelib.domain.personal_links import (
    LinkState,
    PersonalLink,
    link_expiry,
    looks_like_token,
    state_of,
    token_digest,
)
from chalicelib.services.personal_links import Visit, visit_with_token
from chalicelib.web import signing
from chalicelib.web.debtor_routes import euros_to_cents
from chalicelib.web.responses import page, redirect
from tests.fakes import FakeBadTokenCounter, FakePersonalLinkStore

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
KEY = b"unit-tests"


def test_a_link_lives_until_the_latest_deadline_plus_30_days_and_never_beyond_120() -> None:
    assert link_expiry(NOW, [date(2026, 12, 20)]) == datetime(2027, 1, 19, 23, 59, tzinfo=UTC)
    assert link_expiry(NOW, [date(2027, 6, 1)]) == NOW + timedelta(days=120)
    # Deadlines in the past: still 30 days to read the message.
    assert link_expiry(NOW, [date(2026, 10, 1)]) == datetime(2026, 12, 31, 23, 59, tzinfo=UTC)


def test_revoked_and_other_clients_links_look_unknown_and_old_ones_expired() -> None:
    link = PersonalLink("club", "10001", NOW + timedelta(days=1))
    assert state_of(link, NOW, "club") is LinkState.VALID
    assert state_of(link, NOW, "other") is LinkState.NOT_FOUND
    assert (
        state_of(PersonalLink("club", "10001", NOW, revoked=True), NOW - timedelta(days=1))
        is LinkState.NOT_FOUND
    )
    assert state_of(link, NOW + timedelta(days=2), "club") is LinkState.EXPIRED
    assert state_of(None, NOW) is LinkState.NOT_FOUND


def test_only_token_shaped_strings_are_looked_up() -> None:
    assert looks_like_token("a" * 43)
    assert not looks_like_token("a" * 10)
    assert not looks_like_token("../../" + "a" * 40)


def test_the_sixth_bad_token_in_a_minute_is_refused_before_any_look_up() -> None:
    store, counter = FakePersonalLinkStore(), FakeBadTokenCounter()
    store.add(token_digest("g" * 43), PersonalLink("club", "10001", NOW + timedelta(days=30)))
    outcomes = [
        visit_with_token("club", f"{'x' * 42}{n}", "1.2.3.4", NOW, store=store, counter=counter).outcome
        for n in range(6)
    ]
    assert outcomes == [Visit.NOT_FOUND] * 5 + [Visit.THROTTLED]
    assert (
        visit_with_token("club", "g" * 43, "1.2.3.4", NOW, store=store, counter=counter).outcome
        is Visit.THROTTLED
    )
    assert (
        visit_with_token("club", "g" * 43, "5.6.7.8", NOW, store=store, counter=counter).outcome
        is Visit.OPENED
    )


def test_a_signed_value_cannot_be_altered_moved_to_another_purpose_or_used_after_expiry() -> None:
    value = signing.sign(KEY, "session:club", "abc", NOW + timedelta(hours=1))
    assert signing.unsign(KEY, "session:club", value, NOW) == "abc"
    assert signing.unsign(KEY, "session:other", value, NOW) is None
    assert signing.unsign(KEY, "session:club", value.replace("abc", "abd"), NOW) is None
    assert signing.unsign(b"other key", "session:club", value, NOW) is None
    assert signing.unsign(KEY, "session:club", value, NOW + timedelta(hours=2)) is None


def test_the_form_token_matches_only_its_own_cookie() -> None:
    secret = signing.new_csrf_secret()
    token = signing.csrf_token(KEY, secret)
    assert signing.csrf_valid(KEY, secret, token)
    assert not signing.csrf_valid(KEY, signing.new_csrf_secret(), token)
    assert not signing.csrf_valid(KEY, None, token)
    assert not signing.csrf_valid(KEY, secret, "")


def test_every_page_answer_carries_the_security_headers() -> None:
    for response in (page("<p>x</p>"), redirect("/p/club")):
        assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"


def test_a_monthly_amount_is_read_as_a_dutch_reader_writes_it() -> None:
    assert euros_to_cents("50") == 5000
    assert euros_to_cents("€ 49,5") == 4950
    assert euros_to_cents("") is None
