"""Personal links: issued with every message to a debtor, opened when the debtor visits.

The token goes into the message and nowhere else: it is not stored (only its SHA-256), not
logged, and the page swaps it for a session cookie at the first visit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from chalicelib.domain.dossier import Dossier
from chalicelib.domain.personal_links import (
    LinkState,
    PersonalLink,
    link_expiry,
    looks_like_token,
    state_of,
    token_digest,
)
from chalicelib.services.ports import BadTokenCounter, PersonalLinkStore

# More failed visits than this in one minute from one source are refused outright.
BAD_TOKENS_PER_MINUTE = 5


def page_path(client_id: str, token: str) -> str:
    return f"/p/{client_id}/{token}"


def issue_personal_link(dossier: Dossier, now: datetime, store: PersonalLinkStore, public_url: str) -> str:
    """A fresh link for the message about to go out; valid until the latest deadline it names
    (the open invoices' due dates, the next step) plus 30 days, at most 120 days."""
    deadlines = [i.due_date for i in dossier.chased_invoices]
    if dossier.next_action_at is not None:
        deadlines.append(dossier.next_action_at.date())
    token = secrets.token_urlsafe(32)
    store.add(
        token_digest(token),
        PersonalLink(dossier.client_id, dossier.debtor_id, link_expiry(now, deadlines)),
    )
    return public_url.rstrip("/") + page_path(dossier.client_id, token)


class Visit(StrEnum):
    """What a visit with a token gets (the routes answer 303, 410, 404 or 429)."""

    OPENED = "opened"
    EXPIRED = "expired"
    NOT_FOUND = "not_found"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class VisitResult:
    outcome: Visit
    digest: str = ""
    link: PersonalLink | None = None


def visit_with_token(
    client_id: str,
    token: str,
    source: str,
    now: datetime,
    *,
    store: PersonalLinkStore,
    counter: BadTokenCounter,
) -> VisitResult:
    """Look the token up for the client of the URL. A source with more than 5 failed visits this
    minute is refused before any look-up, so guessing costs the guesser, not the table."""
    if counter.current(source, now) >= BAD_TOKENS_PER_MINUTE:
        counter.add(source, now)
        return VisitResult(Visit.THROTTLED)
    digest = token_digest(token) if looks_like_token(token) else ""
    link = store.find(digest) if digest else None
    state = state_of(link, now, client_id)
    if state is LinkState.NOT_FOUND:
        counter.add(source, now)
        return VisitResult(Visit.NOT_FOUND)
    outcome = Visit.OPENED if state is LinkState.VALID else Visit.EXPIRED
    return VisitResult(outcome, digest, link)


def session_link(client_id: str, digest: str, now: datetime, store: PersonalLinkStore) -> PersonalLink | None:
    """The link behind a session cookie, while it is still valid for this client."""
    link = store.find(digest)
    return link if state_of(link, now, client_id) is LinkState.VALID else None
