"""The accounts' errors. Their text is safe to show to the person who typed the
request: it never quotes a password, nor says whether a username exists."""

from __future__ import annotations

from datetime import datetime

from guichet.errors import GuichetError


class AccountError(GuichetError):
    """Base of the accounts' errors."""


class InvalidAccount(AccountError):
    """A username, role, service or language that is not allowed."""


class DuplicateAccount(AccountError):
    """The username is taken."""


class UnknownAccount(AccountError):
    """No such account (for the CLI; a login never says so)."""


class WrongCredentials(AccountError):
    """Wrong username or password, or a disabled account: one message for all three,
    so that a login page does not tell which usernames exist."""

    def __init__(self) -> None:
        super().__init__("wrong username or password")


class AccountLocked(AccountError):
    """Too many failed logins: refused until ``until``, whatever the password."""

    def __init__(self, until: datetime) -> None:
        self.until = until
        super().__init__(
            f"too many failed logins: account locked until {until:%H:%M} UTC; "
            "try again later or ask an administrator"
        )
