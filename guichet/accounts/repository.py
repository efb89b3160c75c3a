"""The accounts in the store: add, list, disable, reset a password, check one.

Lock-out: ``MAX_FAILURES`` wrong passwords within ``FAILURE_WINDOW`` lock the
account for ``LOCK_FOR``, whatever is typed meanwhile (a right password included);
a good login clears the count. The counters live on the row, so every process (and
every web worker) sees the same ones."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from guichet.accounts.errors import (
    AccountLocked,
    DuplicateAccount,
    InvalidAccount,
    UnknownAccount,
    WrongCredentials,
)
from guichet.accounts.model import LANGUAGES, ROLES, USERNAME, Account
from guichet.accounts.passwords import (
    MIN_PASSWORD,
    check_password,
    generate_password,
    generate_sip_secret,
    hash_password,
    needs_rehash,
)
from guichet.store import Store
from guichet.store.models import StaffAccount, WebSession, utcnow

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_FOR = timedelta(minutes=15)
FIRST_ADMIN = "admin"


@dataclass(frozen=True)
class NewAccount:
    """An account just made, and the password to hand to its person (once)."""

    account: Account
    password: str


def account_from_row(row: StaffAccount) -> Account:
    return Account(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=row.role,  # type: ignore[arg-type]  # checked when written
        services=tuple(row.services or ()),
        language=row.language,  # type: ignore[arg-type]
        disabled=row.disabled,
        sip_secret=row.sip_secret,
    )


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidAccount(f"a password has at least {MIN_PASSWORD} characters")


class AccountRepository:
    def __init__(self, store: Store) -> None:
        self._store = store

    # --- reading ---

    def get(self, username: str) -> Account | None:
        with self._store.session() as session:
            row = self._row(session, username)
            return None if row is None else account_from_row(row)

    def by_id(self, account_id: int) -> Account | None:
        with self._store.session() as session:
            row = session.get(StaffAccount, account_id)
            return None if row is None else account_from_row(row)

    def list(self) -> list[Account]:
        with self._store.session() as session:
            rows = session.scalars(select(StaffAccount).order_by(StaffAccount.username))
            return [account_from_row(r) for r in rows]

    def active(self) -> builtins.list[Account]:
        return [a for a in self.list() if not a.disabled]

    # --- writing ---

    def add(
        self,
        username: str,
        role: str,
        *,
        display_name: str = "",
        services: Sequence[str] = (),
        language: str = "fr",
        password: str | None = None,
        known_services: Collection[str] | None = None,
    ) -> NewAccount:
        """Make an account; ``password`` None: one is generated (returned once).
        ``known_services``: the services an expert may have (the configured queues)."""
        if not USERNAME.fullmatch(username):
            raise InvalidAccount(
                f"invalid username {username!r}: 2-32 of a-z 0-9 . _ -, starting with a letter"
            )
        if role not in ROLES:
            raise InvalidAccount(f"invalid role {role!r}: one of {', '.join(ROLES)}")
        if language not in LANGUAGES:
            raise InvalidAccount(f"invalid language {language!r}: one of {', '.join(LANGUAGES)}")
        services = tuple(dict.fromkeys(services))
        if role == "expert" and not services:
            raise InvalidAccount("an expert serves at least one service (--service)")
        if role != "expert" and services:
            raise InvalidAccount("only experts have services")
        if known_services is not None:
            unknown = [s for s in services if s not in known_services]
            if unknown:
                raise InvalidAccount(
                    f"unknown service(s) {', '.join(unknown)}: "
                    f"configured are {', '.join(known_services)}"
                )
        chosen = password if password is not None else generate_password()
        check_new_password(chosen)
        row = StaffAccount(
            username=username,
            display_name=display_name or username,
            role=role,
            services=list(services),
            language=language,
            password_hash=hash_password(chosen),
            sip_secret=generate_sip_secret(),
            disabled=False,
            failed_logins=0,
        )
        try:
            with self._store.session() as session:
                session.add(row)
                session.flush()
                account = account_from_row(row)
        except IntegrityError as exc:
            raise DuplicateAccount(f"the username {username!r} is taken") from exc
        return NewAccount(account, chosen)

    def disable(self, username: str) -> Account:
        """Refuse its logins from now on and end its web sessions."""
        with self._store.session() as session:
            row = self._existing(session, username)
            row.disabled = True
            session.execute(delete(WebSession).where(WebSession.account_id == row.id))
            return account_from_row(row)

    def reset_password(self, username: str, password: str | None = None) -> NewAccount:
        """A new password (generated when None) and a new SIP secret; the lock-out is
        lifted and every web session of the account ends."""
        chosen = password if password is not None else generate_password()
        check_new_password(chosen)
        with self._store.session() as session:
            row = self._existing(session, username)
            row.password_hash = hash_password(chosen)
            row.sip_secret = generate_sip_secret()
            row.failed_logins = 0
            row.first_failure_at = None
            row.locked_until = None
            session.execute(delete(WebSession).where(WebSession.account_id == row.id))
            return NewAccount(account_from_row(row), chosen)

    def verify_password(
        self, username: str, password: str, *, now: datetime | None = None
    ) -> Account:
        """The account, when the password is right and it may log in; otherwise
        :class:`WrongCredentials` or :class:`AccountLocked`."""
        now = now or utcnow()
        refusal: WrongCredentials | AccountLocked | None = None
        with self._store.session() as session:
            row = self._row(session, username)
            # the hash is checked even for an unknown name: the same time either way
            good = check_password(None if row is None else row.password_hash, password)
            if row is None:
                raise WrongCredentials()
            if row.locked_until is not None and row.locked_until > now:
                refusal = AccountLocked(row.locked_until)
            elif not good:
                refusal = self._count_failure(row, now)
            elif row.disabled:
                refusal = WrongCredentials()
            else:
                row.failed_logins = 0
                row.first_failure_at = None
                row.locked_until = None
                if needs_rehash(row.password_hash):
                    row.password_hash = hash_password(password)
                return account_from_row(row)
        raise refusal  # after the commit: the failure is counted

    # --- inside ---

    @staticmethod
    def _count_failure(row: StaffAccount, now: datetime) -> WrongCredentials | AccountLocked:
        if row.first_failure_at is None or now - row.first_failure_at > FAILURE_WINDOW:
            row.first_failure_at = now
            row.failed_logins = 0
        row.failed_logins += 1
        if row.failed_logins >= MAX_FAILURES:
            row.locked_until = now + LOCK_FOR
            row.failed_logins = 0
            row.first_failure_at = None
            return AccountLocked(row.locked_until)
        return WrongCredentials()

    @staticmethod
    def _row(session: Session, username: str) -> StaffAccount | None:
        return session.scalars(
            select(StaffAccount).where(StaffAccount.username == username)
        ).one_or_none()

    def _existing(self, session: Session, username: str) -> StaffAccount:
        row = self._row(session, username)
        if row is None:
            raise UnknownAccount(f"no account {username!r}")
        return row


def ensure_first_admin(store: Store, password: str) -> Account | None:
    """At first run (no account at all): the admin ``admin`` with the generated
    password kept in secrets.json. None when accounts exist already."""
    repo = AccountRepository(store)
    if repo.list():
        return None
    try:
        return repo.add(
            FIRST_ADMIN, "admin", display_name="Administrateur", password=password
        ).account
    except DuplicateAccount:
        return None  # another process made it at the same moment
