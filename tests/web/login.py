"""Logging in as a browser does: GET /login (the form's pre-session token), POST
/login, then GET /api/me for the CSRF token. For TestClient and for httpx against a
real server."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import httpx
from fastapi.testclient import TestClient

from guichet.accounts import AccountRepository, NewAccount
from guichet.store import Store

if TYPE_CHECKING:  # what starlette's TestClient answers with
    import httpx2

_FORM_TOKEN = re.compile(r'name=csrf value="([^"]+)"')


def form_token(page: str) -> str:
    found = _FORM_TOKEN.search(page)
    assert found, "the login page has no CSRF field"
    return found.group(1)


def post_login(client: TestClient, username: str, password: str) -> httpx2.Response:
    token = form_token(client.get("/login").text)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf": token},
        follow_redirects=False,
    )


def log_in(client: TestClient, username: str, password: str) -> str:
    """Log ``client`` in; the session's CSRF token."""
    reply = post_login(client, username, password)
    assert reply.status_code == 303, reply.text
    me = client.get("/api/me")
    assert me.status_code == 200, me.text
    csrf: str = me.json()["csrf"]
    return csrf


async def session_cookie(base_url: str, username: str, password: str) -> str:
    """Log in against a real server; the ``Cookie`` header value of the session."""
    async with httpx.AsyncClient(base_url=base_url) as client:
        page = await client.get("/login")
        reply = await client.post(
            "/login",
            data={"username": username, "password": password, "csrf": form_token(page.text)},
        )
        assert reply.status_code == 303, reply.text
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def add_account(store: Store, username: str, role: str, **kwargs: object) -> NewAccount:
    return AccountRepository(store).add(username, role, **kwargs)  # type: ignore[arg-type]
