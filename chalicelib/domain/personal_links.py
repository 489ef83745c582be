"""The debtor's personal link: a random token in every message that opens the debtor's own page.

Only the token's SHA-256 is stored, so a copy of the table opens no page. A link lives until the
latest deadline it was sent for plus 30 days, and never longer than 120 days: a message read late
still works, an old one does not open a file forever. Pure: the clock is passed in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

AFTER_LAST_DEADLINE = timedelta(days=30)
LONGEST = timedelta(days=120)
# secrets.token_urlsafe(32) gives 43 characters; anything far off that shape is not a token.
TOKEN_LENGTH = range(40, 64)
TOKEN_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def token_digest(token: str) -> str:
    """What is stored and looked up: the token itself is never kept."""
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    return len(token) in TOKEN_LENGTH and set(token) <= TOKEN_ALPHABET


def link_expiry(now: datetime, deadlines: Iterable[date]) -> datetime:
    """The latest deadline + 30 days (end of that day, UTC), at least 30 days and at most 120
    days from now."""
    latest = max([now.date(), *deadlines])
    until = datetime.combine(latest + AFTER_LAST_DEADLINE, time(23, 59), UTC)
    return max(min(until, now + LONGEST), now + AFTER_LAST_DEADLINE)


@dataclass(frozen=True)
class PersonalLink:
    client_id: str
    debtor_id: str
    expires_at: datetime
    revoked: bool = False


class LinkState(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    # Unknown, forged, revoked and other clients' tokens look the same to the visitor.
    NOT_FOUND = "not_found"


def state_of(link: PersonalLink | None, now: datetime, client_id: str | None = None) -> LinkState:
    """What a visit with this link gets. `client_id`, when given, is the client the request is
    for: another client's link is as good as unknown."""
    if link is None or link.revoked or (client_id is not None and link.client_id != client_id):
        return LinkState.NOT_FOUND
    if link.expires_at <= now:
        return LinkState.EXPIRED
    return LinkState.VALID
