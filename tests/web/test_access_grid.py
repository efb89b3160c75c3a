"""The access grid: every HTTP and websocket route of the real web app × every
persona {anonymous, agent A, agent B, expert of another service, supervisor, admin},
on a real store (SQLite and PostgreSQL) with real accounts, each persona logged in
through ``POST /login``. The expected statuses are ``tests/web/access_rules.py``; a
route without a rule there fails this test, so a route added later cannot go
unreviewed."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from fastapi.routing import APIRoute, APIWebSocketRoute, iter_route_contexts
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketDenialResponse
from starlette.websockets import WebSocketDisconnect

from agent_softphone.app import AppState, create_app
from agent_softphone.auth import CSRF_HEADER
from guichet.accounts import Account, AccountRepository
from guichet.store import Store, open_store
from tests.web.access_rules import ANONYMOUS, PERSONAS, RULES, SEEDS, WS_OPEN, Rule
from tests.web.login import log_in

PASSWORD = "grid password 1"
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
_PARAM = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")


@dataclass
class Persona:
    name: str
    client: TestClient
    account: Account | None
    csrf: str = ""

    def log_in(self) -> None:
        if self.account is not None:
            self.csrf = log_in(self.client, self.account.username, PASSWORD)


def declared_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every route, websockets as method ``WS``."""
    found: list[tuple[str, str]] = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIWebSocketRoute):
            found.append(("WS", str(context.path)))
        elif isinstance(route, APIRoute):
            found += [(m, str(context.path)) for m in sorted(context.methods or ()) if m != "HEAD"]
        else:  # a mounted app or a plain Starlette route: the grid cannot see inside
            found.append(("?", str(getattr(context, "path", route))))
    return found


def accounts(store: Store) -> dict[str, Account]:
    repo = AccountRepository(store)
    made = {}
    for persona, (role, services) in PERSONAS.items():
        made[persona] = repo.add(
            persona.replace("_", "."), role, services=services, password=PASSWORD
        ).account
    return made


def url(rule: Rule, samples: Mapping[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in rule.params, f"{rule.method} {rule.path}: no sample for {{{name}}}"
        given = rule.params[name]
        if given.startswith("{") and given.endswith("}"):
            key = given[1:-1]
            assert key in samples, f"{rule.method} {rule.path}: no seed made sample {key!r}"
            return samples[key]
        return given

    return _PARAM.sub(value, rule.path)


def http_status(persona: Persona, rule: Rule, path: str, *, csrf: bool = True) -> int:
    headers = {CSRF_HEADER: persona.csrf} if csrf and persona.csrf else {}
    reply = persona.client.request(
        rule.method, path, json=rule.json, headers=headers, follow_redirects=False
    )
    return reply.status_code


def ws_status(persona: Persona, path: str) -> int:
    try:
        with persona.client.websocket_connect(path):
            return WS_OPEN
    except WebSocketDenialResponse as refused:
        return refused.status_code
    except WebSocketDisconnect as closed:
        return 1000 + closed.code  # closed before accept without an HTTP status


def test_every_route_has_a_rule(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'g.db'}")
    try:
        routes = declared_routes(create_app(AppState(store)))
    finally:
        store.close()
    ruled = {(r.method, r.path) for r in RULES}
    missing = [f"{m} {p}" for m, p in routes if (m, p) not in ruled]
    assert not missing, (
        f"routes without an access rule: {missing}; add their rows to tests/web/access_rules.py "
        "(the section of the feature that declares them)"
    )
    stale = sorted(ruled - set(routes))
    assert not stale, f"rules for routes the app does not declare: {stale}"


def seeded(store: Store) -> tuple[dict[str, Account], dict[str, str]]:
    """The personas' accounts, then every section's seed rows; the samples they made."""
    made = accounts(store)
    samples: dict[str, str] = {}
    for seed in SEEDS:
        samples.update(seed(store, made))
    return made, samples


def walk(store: Store, rules: Sequence[Rule]) -> list[str]:
    """Each rule's route asked by each persona, logged in, on a seeded store (and each
    state-changing one again without its CSRF token): what differs from the rules."""
    app = create_app(AppState(store, {"asterisk": "running"}))
    made, samples = seeded(store)
    personas = [Persona(ANONYMOUS, TestClient(app), None)] + [
        Persona(name, TestClient(app), made[name]) for name in PERSONAS
    ]
    for persona in personas:
        persona.log_in()

    wrong: list[str] = []
    for rule in rules:
        path = url(rule, samples)
        for persona in personas:
            if rule.method == "WS":
                got = ws_status(persona, path)
            else:
                if rule.method not in SAFE and persona.account is not None:
                    # the same request without its CSRF token: refused before the route
                    forged = http_status(persona, rule, path, csrf=False)
                    if forged != 403:
                        wrong.append(
                            f"{rule.method} {path} as {persona.name} without CSRF: {forged}"
                        )
                got = http_status(persona, rule, path)
            want = rule.expect.get(persona.name)
            if got != want:
                wrong.append(f"{rule.method} {path} as {persona.name}: {got}, rule says {want}")
            if rule.ends_session:
                persona.log_in()
    return wrong


def test_each_persona_gets_the_status_its_rule_says(store: Store) -> None:
    wrong = walk(store, RULES)
    assert not wrong, "\n".join(wrong)
