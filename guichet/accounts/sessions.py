"""Web sessions in the store: a random token in the browser's cookie, only its
SHA-256 in ``web_sessions``. A session ends at log-out (its row deleted), after
``idle`` without a request, after ``lifetime`` whatever happens, and when its
account is disabled or its password reset."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from guichet.accounts.model import Account
from guichet.accounts.repository import account_from_row
from guichet.store import Store
from guichet.store.models import StaffAccount, WebSession, utcnow

# a session seen again within this is not written again (one write per request
# otherwise); small next to any idle time-out
TOUCH_EVERY = timedelta(seconds=30)


@dataclass(frozen=True)
class OpenSession:
    token: str  # for the cookie; never stored
    csrf: str
    account: Account


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class WebSessions:
    def __init__(self, store: Store, *, idle: timedelta, lifetime: timedelta) -> None:
        self._store = store
        self.idle = idle
        self.lifetime = lifetime

    def open(self, account: Account, *, now: datetime | None = None) -> OpenSession:
        now = now or utcnow()
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        with self._store.session() as session:
            session.add(
                WebSession(
                    token_hash=token_hash(token),
                    account_id=account.id,
                    csrf=csrf,
                    created_at=now,
                    last_seen_at=now,
                )
            )
        return OpenSession(token, csrf, account)

    def resolve(self, token: str, *, now: datetime | None = None) -> OpenSession | None:
        """The live session of this token (its last use moved to ``now``), or None:
        unknown, expired (then deleted) or its account disabled."""
        now = now or utcnow()
        with self._store.session() as session:
            found = session.execute(
                select(WebSession, StaffAccount)
                .join(StaffAccount, StaffAccount.id == WebSession.account_id)
                .where(WebSession.token_hash == token_hash(token))
            ).one_or_none()
            if found is None:
                return None
            row, account = found
            expired = now - row.last_seen_at > self.idle or now - row.created_at > self.lifetime
            if expired or account.disabled:
                session.delete(row)
                return None
            if now - row.last_seen_at > TOUCH_EVERY:
                row.last_seen_at = now
            return OpenSession(token, row.csrf, account_from_row(account))

    def close(self, token: str) -> None:
        with self._store.session() as session:
            session.execute(delete(WebSession).where(WebSession.token_hash == token_hash(token)))

    def purge_expired(self, *, now: datetime | None = None) -> int:
        """Delete the sessions nobody can use any more; how many."""
        now = now or utcnow()
        with self._store.session() as session:
            result = session.execute(
                delete(WebSession).where(
                    (WebSession.last_seen_at < now - self.idle)
                    | (WebSession.created_at < now - self.lifetime)
                )
            )
            return int(getattr(result, "rowcount", 0) or 0)
