"""Who is asking, and whether they may: the :class:`Principal` a route receives and
the :func:`require` dependency that gives it.

Use it on every HTTP and websocket route::

    who: Annotated[Principal, Depends(require("agent", "expert"))]

Anonymous: 401 (a websocket is refused with 401 before it is accepted); a role not
listed: 403. ``require()`` with no role: any logged-in account. The session itself is
resolved once per request by :class:`agent_softphone.auth.SessionMiddleware`, which
also checks the CSRF token of every state-changing request: no route can forget it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import HTTPException, status
from fastapi.requests import HTTPConnection

from guichet.accounts import ROLES, Account, OpenSession

SESSION_KEY = "guichet.session"  # where the middleware leaves the session in the scope


@dataclass(frozen=True)
class Principal:
    account_id: int
    username: str
    display_name: str
    role: str
    services: frozenset[str]
    language: str

    @classmethod
    def of(cls, account: Account) -> Principal:
        return cls(
            account_id=account.id,
            username=account.username,
            display_name=account.display_name,
            role=account.role,
            services=frozenset(account.services),
            language=account.language,
        )

    @property
    def sees_everything(self) -> bool:
        """Supervisors and admins see every call and case."""
        return self.role in ("supervisor", "admin")

    @property
    def interface(self) -> str:
        """Its queue member interface (its own PJSIP endpoint)."""
        return f"PJSIP/{self.username}"


def current_session(conn: HTTPConnection) -> OpenSession | None:
    found = conn.scope.get(SESSION_KEY)
    return found if isinstance(found, OpenSession) else None


def require(*roles: str) -> Callable[[HTTPConnection], Principal]:
    """A dependency: the logged-in principal, when its role is one of ``roles``."""
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"unknown role(s) {unknown}")
    allowed = frozenset(roles or ROLES)

    def principal(conn: HTTPConnection) -> Principal:
        session = current_session(conn)
        if session is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "log in first")
        who = Principal.of(session.account)
        if who.role not in allowed:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "not for your role")
        return who

    return principal
