"""Accounts in the store (SQLite and PostgreSQL): argon2id hashes, lock-out,
disable, reset-password (rotates the SIP secret), web sessions' time-outs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from guichet.accounts import (
    FAILURE_WINDOW,
    LOCK_FOR,
    MAX_FAILURES,
    AccountLocked,
    AccountRepository,
    DuplicateAccount,
    InvalidAccount,
    WebSessions,
    WrongCredentials,
    ensure_first_admin,
)
from guichet.store import Store
from guichet.store.models import StaffAccount, WebSession, utcnow

KNOWN = ("etat-civil", "urbanisme")


def test_a_password_is_kept_as_an_argon2id_hash_and_checked(store: Store) -> None:
    repo = AccountRepository(store)
    made = repo.add("marie", "agent", display_name="Marie", password="correct horse 1")
    with store.session() as session:
        row = session.scalars(select(StaffAccount)).one()
    assert row.password_hash.startswith("$argon2id$")
    assert "correct horse 1" not in row.password_hash
    assert repo.verify_password("marie", "correct horse 1") == made.account
    with pytest.raises(WrongCredentials):
        repo.verify_password("marie", "correct horse 2")
    with pytest.raises(WrongCredentials):
        repo.verify_password("nobody", "correct horse 1")


def test_generated_password_and_sip_secret(store: Store) -> None:
    repo = AccountRepository(store)
    made = repo.add("paul", "expert", services=["etat-civil"], known_services=KNOWN)
    assert len(made.password) >= 16 and len(made.account.sip_secret) >= 24
    assert made.account.services == ("etat-civil",) and made.account.interface == "PJSIP/paul"
    assert repo.verify_password("paul", made.password).username == "paul"
    assert [a.username for a in repo.list()] == ["paul"]


@pytest.mark.parametrize(
    ("username", "role", "services"),
    [
        ("1001", "agent", ()),  # a SIP test account's name
        ("Marie", "agent", ()),
        ("m", "agent", ()),
        ("marie", "boss", ()),
        ("marie", "agent", ("etat-civil",)),  # services are for experts
        ("marie", "expert", ()),
        ("marie", "expert", ("piscine",)),  # not a configured service
    ],
)
def test_invalid_accounts_are_refused(
    store: Store, username: str, role: str, services: tuple[str, ...]
) -> None:
    with pytest.raises(InvalidAccount):
        AccountRepository(store).add(username, role, services=services, known_services=KNOWN)
    assert AccountRepository(store).list() == []


def test_a_username_is_taken_once(store: Store) -> None:
    repo = AccountRepository(store)
    repo.add("marie", "agent")
    with pytest.raises(DuplicateAccount):
        repo.add("marie", "supervisor")


def test_lock_out_after_repeated_failures_then_lifted(store: Store) -> None:
    repo = AccountRepository(store)
    repo.add("marie", "agent", password="right password")
    now = utcnow()
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(WrongCredentials):
            repo.verify_password("marie", "wrong password", now=now)
    with pytest.raises(AccountLocked) as locked:
        repo.verify_password("marie", "wrong password", now=now)
    assert locked.value.until == now + LOCK_FOR
    assert "locked until" in str(locked.value)
    # the right password does not open a locked account…
    with pytest.raises(AccountLocked):
        repo.verify_password("marie", "right password", now=now + LOCK_FOR / 2)
    # …until the lock has run out
    assert repo.verify_password("marie", "right password", now=now + LOCK_FOR).username == "marie"


def test_failures_spread_beyond_the_window_do_not_lock(store: Store) -> None:
    repo = AccountRepository(store)
    repo.add("marie", "agent", password="right password")
    start = utcnow()
    for i in range(MAX_FAILURES * 2):
        at = start + i * (FAILURE_WINDOW / (MAX_FAILURES - 1)) + timedelta(seconds=i)
        with pytest.raises(WrongCredentials):
            repo.verify_password("marie", "wrong password", now=at)


def test_a_good_login_clears_the_count(store: Store) -> None:
    repo = AccountRepository(store)
    repo.add("marie", "agent", password="right password")
    for _ in range(2):
        for _ in range(MAX_FAILURES - 1):
            with pytest.raises(WrongCredentials):
                repo.verify_password("marie", "wrong password")
        repo.verify_password("marie", "right password")


def test_disable_refuses_logins_and_ends_sessions(store: Store) -> None:
    repo = AccountRepository(store)
    made = repo.add("marie", "agent")
    sessions = WebSessions(store, idle=timedelta(minutes=30), lifetime=timedelta(hours=12))
    opened = sessions.open(made.account)
    repo.disable("marie")
    with pytest.raises(WrongCredentials):
        repo.verify_password("marie", made.password)
    assert sessions.resolve(opened.token) is None
    assert [a.username for a in repo.active()] == []


def test_reset_password_rotates_the_sip_secret_and_ends_sessions(store: Store) -> None:
    repo = AccountRepository(store)
    made = repo.add("marie", "agent")
    sessions = WebSessions(store, idle=timedelta(minutes=30), lifetime=timedelta(hours=12))
    opened = sessions.open(made.account)
    reset = repo.reset_password("marie")
    assert reset.password != made.password
    assert reset.account.sip_secret != made.account.sip_secret
    with pytest.raises(WrongCredentials):
        repo.verify_password("marie", made.password)
    assert repo.verify_password("marie", reset.password).sip_secret == reset.account.sip_secret
    assert sessions.resolve(opened.token) is None


def test_sessions_keep_only_a_hash_and_time_out(store: Store) -> None:
    made = AccountRepository(store).add("marie", "agent")
    sessions = WebSessions(store, idle=timedelta(minutes=30), lifetime=timedelta(hours=2))
    start = utcnow()
    opened = sessions.open(made.account, now=start)
    with store.session() as session:
        row = session.scalars(select(WebSession)).one()
    assert opened.token not in row.token_hash and len(row.token_hash) == 64
    # used every 20 minutes: alive past the idle time-out, dead at the lifetime
    at = start
    while at + timedelta(minutes=20) < start + timedelta(hours=2):
        at += timedelta(minutes=20)
        assert sessions.resolve(opened.token, now=at) is not None, at - start
    assert sessions.resolve(opened.token, now=start + timedelta(hours=2, minutes=1)) is None
    # idle for longer than the time-out: gone, and its row with it
    second = sessions.open(made.account, now=start)
    assert sessions.resolve(second.token, now=start + timedelta(minutes=31)) is None
    with store.session() as session:
        assert session.scalars(select(WebSession)).all() == []


def test_the_first_admin_is_made_once(store: Store) -> None:
    admin = ensure_first_admin(store, "generated-first-password")
    assert admin is not None and admin.role == "admin" and admin.username == "admin"
    assert ensure_first_admin(store, "another-password") is None
    assert AccountRepository(store).verify_password("admin", "generated-first-password")
