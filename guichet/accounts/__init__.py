"""The desk's people: accounts with a role (agent, expert, supervisor, admin),
argon2id passwords, lock-out, and the web sessions of those logged in."""

from guichet.accounts.errors import (
    AccountError,
    AccountLocked,
    DuplicateAccount,
    InvalidAccount,
    UnknownAccount,
    WrongCredentials,
)
from guichet.accounts.model import LANGUAGES, ROLES, USERNAME, Account, Language, Role
from guichet.accounts.repository import (
    FAILURE_WINDOW,
    FIRST_ADMIN,
    LOCK_FOR,
    MAX_FAILURES,
    AccountRepository,
    NewAccount,
    ensure_first_admin,
)
from guichet.accounts.sessions import OpenSession, WebSessions

__all__ = [
    "FAILURE_WINDOW",
    "FIRST_ADMIN",
    "LANGUAGES",
    "LOCK_FOR",
    "MAX_FAILURES",
    "ROLES",
    "USERNAME",
    "Account",
    "AccountError",
    "AccountLocked",
    "AccountRepository",
    "DuplicateAccount",
    "InvalidAccount",
    "Language",
    "NewAccount",
    "OpenSession",
    "Role",
    "UnknownAccount",
    "WebSessions",
    "WrongCredentials",
    "ensure_first_admin",
]
