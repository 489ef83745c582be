"""Personal links and failed-visit counts in the table (`PAGELINK#...`, `PROBE#...` items).

A link item lives 30 days past its expiry before the TTL removes it, so an expired link still
answers "expired" (with the form for a fresh one) for a while instead of "not found".
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

from chalicelib.adapters.table import BadTokenItem, PersonalLinkItem
from chalicelib.domain.personal_links import PersonalLink

KEEP_AFTER_EXPIRY = timedelta(days=30)
PROBE_KEEP = timedelta(minutes=10)


class DynamoPersonalLinkStore:
    def add(self, digest: str, link: PersonalLink) -> None:
        PersonalLinkItem(
            f"PAGELINK#{digest}",
            "LINK",
            body=json.dumps(
                {
                    "client_id": link.client_id,
                    "debtor_id": link.debtor_id,
                    "expires_at": link.expires_at.isoformat(),
                    "revoked": link.revoked,
                },
                separators=(",", ":"),
            ),
            expires_at=int((link.expires_at + KEEP_AFTER_EXPIRY).timestamp()),
        ).save(PersonalLinkItem.pk.does_not_exist())

    def find(self, digest: str) -> PersonalLink | None:
        try:
            item = PersonalLinkItem.get(f"PAGELINK#{digest}", "LINK")
        except PersonalLinkItem.DoesNotExist:
            return None
        body = json.loads(item.body)
        return PersonalLink(
            body["client_id"],
            body["debtor_id"],
            datetime.fromisoformat(body["expires_at"]).astimezone(UTC),
            bool(body.get("revoked")),
        )

    def revoke(self, digest: str) -> None:
        link = self.find(digest)
        if link is None:
            return
        item = PersonalLinkItem.get(f"PAGELINK#{digest}", "LINK")
        body = json.loads(item.body) | {"revoked": True}
        item.update(actions=[PersonalLinkItem.body.set(json.dumps(body, separators=(",", ":")))])


def _probe_keys(source: str, now: datetime) -> tuple[str, str]:
    # The source address is personal data: only its hash is stored.
    return f"PROBE#{hashlib.sha256(source.encode()).hexdigest()[:32]}", now.strftime("%Y%m%dT%H%M")


class DynamoBadTokenCounter:
    def add(self, source: str, now: datetime) -> int:
        pk, sk = _probe_keys(source, now)
        item = BadTokenItem(pk, sk)
        # An unversioned ADD may count a retried request twice: harmless for a rate limit.
        item.update(
            actions=[
                BadTokenItem.failures.add(1),
                BadTokenItem.expires_at.set(int((now + PROBE_KEEP).timestamp())),
            ]
        )
        return int(item.failures)

    def current(self, source: str, now: datetime) -> int:
        pk, sk = _probe_keys(source, now)
        try:
            return int(BadTokenItem.get(pk, sk).failures)
        except BadTokenItem.DoesNotExist:
            return 0
