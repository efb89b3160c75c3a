"""Logging in to the web app: the login page, the session cookie, CSRF, lock-out,
idle time-out, log-out — through the real app on a real store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from agent_softphone.app import AppState, create_app
from agent_softphone.auth import CSRF_HEADER, LOGIN_COOKIE, SESSION_COOKIE
from guichet.accounts import MAX_FAILURES
from guichet.settings import Settings
from guichet.store import Store, open_store
from guichet.store.models import WebSession, utcnow
from tests.web.login import add_account, form_token, log_in, post_login

PASSWORD = "right password 1"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'g.db'}")
    add_account(opened, "marie", "agent", password=PASSWORD)
    add_account(opened, "sophie", "admin", password=PASSWORD)
    try:
        yield opened
    finally:
        opened.close()


def client(store: Store, *, tls: bool = False, **settings: int) -> TestClient:
    app = create_app(
        AppState(store, {"asterisk": "running"}, settings=Settings(**settings), tls=tls)
    )
    return TestClient(app, base_url="https://testserver" if tls else "http://testserver")


def set_cookie_header(reply_headers: list[str], name: str) -> str:
    found = [h for h in reply_headers if h.startswith(f"{name}=")]
    assert found, f"no Set-Cookie for {name}: {reply_headers}"
    return found[0]


def test_the_login_page_is_french_by_default_english_on_request(store: Store) -> None:
    browser = client(store)
    page = browser.get("/login")
    assert page.status_code == 200 and "<html lang=fr>" in page.text
    assert "<label for=username>Identifiant</label>" in page.text
    assert "<label for=password>Mot de passe</label>" in page.text
    english = browser.get("/login?lang=en")
    assert "<html lang=en>" in english.text and "<label for=username>Username" in english.text


def test_login_sets_a_strict_httponly_session_cookie(store: Store) -> None:
    browser = client(store)
    reply = post_login(browser, "marie", PASSWORD)
    assert reply.status_code == 303 and reply.headers["location"] == "/"
    cookie = set_cookie_header(reply.headers.get_list("set-cookie"), SESSION_COOKIE)
    flags = cookie.lower()
    assert "httponly" in flags and "samesite=strict" in flags and "secure" not in flags
    me = browser.get("/api/me").json()
    assert (me["username"], me["role"], me["language"]) == ("marie", "agent", "fr")
    assert len(me["csrf"]) >= 32
    # the store holds a hash of the token, never the token
    token = browser.cookies[SESSION_COOKIE]
    with store.session() as session:
        hashes = list(session.scalars(select(WebSession.token_hash)))
    assert len(hashes) == 1 and token not in hashes[0]


def test_under_tls_the_cookies_are_secure(store: Store) -> None:
    browser = client(store, tls=True)
    page = browser.get("/login")
    login_cookie = set_cookie_header(page.headers.get_list("set-cookie"), LOGIN_COOKIE)
    assert "secure" in login_cookie.lower()
    reply = post_login(browser, "marie", PASSWORD)
    cookie = set_cookie_header(reply.headers.get_list("set-cookie"), SESSION_COOKIE)
    assert "secure" in cookie.lower() and "samesite=strict" in cookie.lower()


def test_the_login_form_needs_its_own_token(store: Store) -> None:
    browser = client(store)
    browser.get("/login")  # the cookie, but a forged form without the field's value
    forged = browser.post(
        "/login",
        data={"username": "marie", "password": PASSWORD, "csrf": "guess"},
        follow_redirects=False,
    )
    assert forged.status_code == 403 and SESSION_COOKIE not in browser.cookies
    # the field's value without the cookie (another site's page): refused too
    token = form_token(client(store).get("/login").text)
    fresh = client(store)
    refused = fresh.post(
        "/login",
        data={"username": "marie", "password": PASSWORD, "csrf": token},
        follow_redirects=False,
    )
    assert refused.status_code == 403 and SESSION_COOKIE not in fresh.cookies


def test_wrong_password_then_lock_out_says_so(store: Store) -> None:
    browser = client(store)
    for _ in range(MAX_FAILURES - 1):
        reply = post_login(browser, "marie", "wrong password")
        assert reply.status_code == 401 and "Identifiant ou mot de passe incorrect" in reply.text
    locked = post_login(browser, "marie", "wrong password")
    assert locked.status_code == 429 and "compte bloqué jusqu" in locked.text
    still = post_login(browser, "marie", PASSWORD)
    assert still.status_code == 429 and SESSION_COOKIE not in browser.cookies
    # another account is not locked with it
    assert post_login(browser, "sophie", PASSWORD).status_code == 303


def test_a_state_changing_request_without_the_csrf_header_is_refused(store: Store) -> None:
    browser = client(store)
    csrf = log_in(browser, "marie", PASSWORD)
    refused = browser.post("/logout")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    wrong = browser.post("/logout", headers={CSRF_HEADER: "x" * len(csrf)})
    assert wrong.status_code == 403
    assert browser.get("/api/me").status_code == 200  # still logged in
    done = browser.post("/logout", headers={CSRF_HEADER: csrf})
    assert done.status_code == 204
    with store.session() as session:
        assert session.scalars(select(WebSession)).all() == []
    browser.cookies.clear()
    assert browser.get("/api/me").status_code == 401


def test_an_idle_session_ends(store: Store) -> None:
    browser = client(store, web_session_idle_min=5)
    log_in(browser, "marie", PASSWORD)
    with store.session() as session:  # the browser sat idle for 6 minutes
        session.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=6)))
    assert browser.get("/api/me").status_code == 401
    with store.session() as session:
        assert session.scalars(select(WebSession)).all() == []


def test_roles_on_the_shell_routes(store: Store) -> None:
    anonymous = client(store)
    assert anonymous.get("/api/health").status_code == 401
    home = anonymous.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/login"
    agent = client(store)
    log_in(agent, "marie", PASSWORD)
    assert agent.get("/api/health").status_code == 403
    assert agent.get("/").status_code == 200
    admin = client(store)
    log_in(admin, "sophie", PASSWORD)
    health = admin.get("/api/health")
    assert health.status_code == 200
    assert health.json()["asterisk"] == "running" and health.json()["calls"] == {}
