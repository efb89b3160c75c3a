"""The access grid's rules: for every HTTP and websocket route of the web app, the
status each persona gets (``tests/web/test_access_grid.py`` walks them all; a route
without a rule fails it). One section per feature; each owner fills in its own.

Personas: ``anonymous``; ``agent_a`` and ``agent_b`` (role agent); ``expert_other``
(an expert of ``urbanisme``, while the samples' cases belong to ``etat-civil``);
``supervisor``; ``admin``. Websocket routes: ``WS_OPEN`` when the handshake is
accepted, otherwise the HTTP status of the refusal (401 anonymous, 403 wrong role).

A route with path parameters takes its values from ``params``: a literal, or
``"{name}"`` for a sample a seed made (``SEEDS``: a function that writes rows into
the store before the walk, given the personas' accounts, and returns sample values
by name, e.g. ``{"call_of_agent_a": "1795645004.0"}``). Per-object rules are
exercised this way: agent B asks for agent A's call and must get 403 or 404.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from guichet.accounts import Account
from guichet.store import Store
from tests.support.seeds import seed_callback, seed_rung_call

PERSONAS: dict[str, tuple[str, tuple[str, ...]]] = {
    # persona -> (role, services)
    "agent_a": ("agent", ()),
    "agent_b": ("agent", ()),
    "expert_other": ("expert", ("urbanisme",)),
    "supervisor": ("supervisor", ()),
    "admin": ("admin", ()),
}
ANONYMOUS = "anonymous"
EVERYONE = (ANONYMOUS, *PERSONAS)
WS_OPEN = 101  # the websocket was accepted

Seed = Callable[[Store, Mapping[str, Account]], Mapping[str, str]]


@dataclass(frozen=True)
class Rule:
    method: str  # GET, POST, PUT, PATCH, DELETE, or WS
    path: str  # the route's path, as declared ("/api/cases/{case_id}")
    expect: Mapping[str, int]  # persona -> status
    params: Mapping[str, str] = field(default_factory=dict)  # literal or "{sample}"
    json: Any = None  # the body of a state-changing request
    ends_session: bool = False  # the persona must log in again after it (log-out)


def only(*roles: str, ok: int = 200, anonymous: int = 401, **overrides: int) -> dict[str, int]:
    """Statuses when ``roles`` may use the route: ``ok`` for them, 403 for the other
    logged-in personas, ``anonymous`` for anonymous; ``overrides`` by persona."""
    statuses = {ANONYMOUS: anonymous}
    for persona, (role, _services) in PERSONAS.items():
        statuses[persona] = ok if role in roles else 403
    statuses.update(overrides)
    return statuses


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(EVERYONE, status)


ALL_ROLES = ("agent", "expert", "supervisor", "admin")

SEEDS: list[Seed] = []
RULES: list[Rule] = []

# --- shell and auth (D1) ---

RULES += [
    Rule("GET", "/login", everyone(200)),
    # without the form's pre-session token: refused for everyone (a forged form)
    Rule("POST", "/login", everyone(403)),
    Rule("POST", "/logout", everyone(204), ends_session=True),
    Rule("GET", "/api/me", only(*ALL_ROLES)),
    # anonymous is sent to the login page
    Rule("GET", "/", only(*ALL_ROLES, anonymous=303)),
    Rule("GET", "/api/health", only("supervisor", "admin")),
    Rule("GET", "/api/calls", only("supervisor", "admin")),
    Rule("WS", "/api/events", only(*ALL_ROLES, ok=WS_OPEN)),
]

# --- sip (D2)

_SOFTPHONE = ("agent", "expert", "supervisor")  # an admin has no phone
RULES += [
    # the account's own SIP identity (its generated secret included)
    Rule("GET", "/api/me/sip", only(*_SOFTPHONE)),
    # the JsSIP bundle: authenticated, like every route but the login page (it is
    # built by `make setup`, mk/web.mk; absent, the route answers 503)
    Rule("GET", "/static/vendor/jssip.js", only(*ALL_ROLES)),
    # the SIP relay: accepted, then closed 1011 when Asterisk is not there (the grid's)
    Rule("WS", "/sip", only(*_SOFTPHONE, ok=WS_OPEN)),
]

# --- desk (D3)

_DESK = ("agent", "expert")
RULES += [
    Rule("GET", "/desk", only(*_DESK)),
    Rule("GET", "/desk/assets/{name}", only(*_DESK), params={"name": "desk.js"}),
    Rule("GET", "/api/desk/state", only(*_DESK)),
    # the grid's app has no call side (AppState.desk None): past the checks, 503
    Rule("POST", "/api/desk/state", only(*_DESK, ok=503), json={"state": "paused"}),
    Rule("GET", "/api/desk/directory", only(*_DESK)),
    Rule("WS", "/api/desk/presence", only(*_DESK, ok=WS_OPEN)),
]

# --- assist (D4)


def _seed_assist(store: Store, made: Mapping[str, Account]) -> Mapping[str, str]:
    """An agent call answered by agent A (its ``case_agents`` row), with a case: only
    agent A may refresh its cards or pin/mark one; agent B and the expert get 404."""
    call_id = "1795645006.6"
    seed_rung_call(store, call_id=call_id, username=made["agent_a"].username)
    return {"d4_call": call_id}


SEEDS.append(_seed_assist)
_ASSIST = ("agent", "expert")
_ASSIST_CALL = {"call_id": "{d4_call}", "card_id": "cni-demande"}
# the grid's app has no knowledge index (AppState.knowledge None): past the checks, 503;
# a call the persona did not handle: 404 (ids are not probed)
_ASSIST_OBJECT = only(*_ASSIST, ok=404, agent_a=503)
RULES += [
    Rule("GET", "/api/assist/search", only(*_ASSIST, ok=503)),
    Rule("POST", "/api/assist/{call_id}/refresh", _ASSIST_OBJECT, params=_ASSIST_CALL),
    Rule("POST", "/api/assist/{call_id}/cards/{card_id}/pin", _ASSIST_OBJECT, params=_ASSIST_CALL),
    Rule("POST", "/api/assist/{call_id}/cards/{card_id}/used", _ASSIST_OBJECT, params=_ASSIST_CALL),
]

# --- cases (D5)


def _seed_cases(store: Store, made: Mapping[str, Account]) -> Mapping[str, str]:
    """A call from the reception queue that rang agent A (a ``case_agents`` row), on a
    case of ``etat-civil``: agent B and the expert of urbanisme may not read it."""
    call_id = "1795645005.5"
    case_id = seed_rung_call(
        store,
        call_id=call_id,
        username=made["agent_a"].username,
        call_state="transferring",
        service="etat-civil",
        caller_number="+33612345678",
    )
    return {"d5_case": case_id, "d5_call": call_id}


SEEDS.append(_seed_cases)
_CASE = {"case_id": "{d5_case}"}
# reads: the supervisors and admins every case; agent A the case of the call it took
_READ = only("supervisor", "admin", agent_a=200)
# wrap-ups: only the desk accounts on the case (agent B, the other expert: 403)
_WRAP = only(agent_a=200)
RULES += [
    Rule("GET", "/api/cases/{case_id}", _READ, params=_CASE),
    Rule("GET", "/api/calls/{call_id}/case", _READ, params={"call_id": "{d5_call}"}),
    Rule("GET", "/api/cases/{case_id}/summary-draft", _WRAP, params=_CASE),
    *(
        Rule("POST", f"/api/cases/{{case_id}}/{wrapup}", _WRAP, params=_CASE, json=body)
        for wrapup, body in (
            ("first-level", {"card_id": "acte-naissance", "code": "info"}),
            ("transferred", {"to": "urbanisme", "code": "orientation"}),
            ("callback", {"number": "06 12 34 56 78", "service": "etat-civil"}),
        )
    ),
    # the grid's app has no call side: agent A is let through to a 503, the rest refused
    Rule(
        "POST",
        "/api/cases/{case_id}/escalate",
        only(agent_a=503),
        params=_CASE,
        json={"service": "etat-civil", "summary": "Acte de naissance, déjà orienté."},
    ),
]

# --- supervision: listen, whisper, barge (E3)

# supervisors and admins only (an agent cannot listen); the grid's app has no call side
# (AppState.supervision None): past the checks, 503
_SUPERVISE = only("supervisor", "admin", ok=503)
_SUPERVISED_CALL = {"call_id": "1795645007.7"}
RULES += [
    Rule("GET", "/api/supervision", _SUPERVISE),
    *(
        Rule("POST", f"/api/supervision/{{call_id}}/{action}", _SUPERVISE, params=_SUPERVISED_CALL)
        for action in ("listen", "whisper", "barge", "stop")
    ),
]

# --- wallboard (E2)

_WALLBOARD = ("supervisor", "admin")
RULES += [
    Rule("GET", "/wallboard", only(*_WALLBOARD)),
    Rule("GET", "/wallboard/assets/{name}", only(*_WALLBOARD), params={"name": "wallboard.js"}),
    Rule("WS", "/api/wallboard", only(*_WALLBOARD, ok=WS_OPEN)),
    # the grid's app has no opening control (AppState.opening None): past the checks, 503
    Rule("GET", "/api/wallboard/opening", only(*_WALLBOARD, ok=503)),
    Rule("POST", "/api/wallboard/mode", only(*_WALLBOARD, ok=503), json={"mode": "night"}),
    Rule(
        "POST",
        "/api/wallboard/closures",
        only(*_WALLBOARD, ok=503),
        json={"reason": "Grève", "starts": "14:00", "ends": "17:00"},
    ),
    Rule(
        "DELETE",
        "/api/wallboard/closures/{closure_id}",
        only(*_WALLBOARD, ok=503),
        params={"closure_id": "1"},
    ),
]

# --- expert workspace: callbacks, click-to-call (E1)


def _seed_callbacks(store: Store, made: Mapping[str, Account]) -> Mapping[str, str]:
    """A callback of ``etat-civil``: the expert of urbanisme may neither list, call
    nor record it; agents have no callback work at all."""
    return {"e1_callback": seed_callback(store, "etat-civil", "+33612345678", due_in_h=2)}


SEEDS.append(_seed_callbacks)
_EXPERTS = ("expert", "supervisor", "admin")  # an admin reads, has no phone, calls no one
_CALLBACK = {"callback_id": "{e1_callback}"}
RULES += [
    Rule("GET", "/experts", only(*_EXPERTS)),
    Rule("GET", "/experts/assets/{name}", only(*_EXPERTS), params={"name": "experts.js"}),
    # the other service's expert gets 200 with an empty list (tests/web/test_experts_routes.py)
    Rule("GET", "/api/callbacks", only(*_EXPERTS)),
    # another service's callback: 403; the grid's app has no outbound trunk
    # (AppState.click_to_call None): the supervisor is let through to a 503
    Rule(
        "POST",
        "/api/callbacks/{callback_id}/call",
        only(supervisor=503),
        params=_CALLBACK,
        json={"number": "+33699999999"},
    ),
    Rule(
        "POST",
        "/api/callbacks/{callback_id}/outcome",
        only("supervisor"),
        params=_CALLBACK,
        json={"outcome": "no_answer"},
    ),
]

# --- website chat (W1): the visitor's routes are public (no login; the conversation is
# named by its X-Chat-Token header, so without one: 401 for everyone, logged in or
# not); the widget's files are public; the desk's side is for the desk's roles, and a
# chat that is not waiting nor theirs is a 404

_CHAT_DESK = ("agent", "expert")
_NO_CHAT = {"chat_id": "00000000-0000-0000-0000-000000000000"}
_NOT_THEIRS = only(*_CHAT_DESK, ok=404)
RULES += [
    Rule("POST", "/api/chat/conversations", everyone(201), json={"lang": "fr"}),
    *(
        Rule(method, f"/api/chat/{tail}", everyone(401), json=body)
        for method, tail, body in (
            ("POST", "messages", {"text": "Bonjour"}),
            ("GET", "messages", None),
            ("POST", "agent", None),
            ("POST", "callback", {"number": "06 12 34 56 78"}),
            ("POST", "hours", None),
            ("POST", "end", None),
        )
    ),
    Rule("GET", "/widget.js", everyone(200)),
    Rule("GET", "/widget.css", everyone(200)),
    Rule("GET", "/api/chat/desk/chats", only(*_CHAT_DESK)),
    *(
        Rule(
            method,
            f"/api/chat/desk/chats/{{chat_id}}{tail}",
            _NOT_THEIRS,
            params=_NO_CHAT,
            json=body,
        )
        for method, tail, body in (
            ("GET", "", None),
            ("POST", "/take", None),
            ("POST", "/messages", {"text": "Bonjour"}),
            ("POST", "/close", None),
        )
    ),
]

# --- KPIs (E4): the city's figures, for supervisors and admins only; an unknown table
# is a 404 for them (and still a 403 for the others: the role is checked first)

_KPIS = ("supervisor", "admin")
RULES += [
    Rule("GET", "/kpis", only(*_KPIS)),
    Rule("GET", "/kpis/assets/{name}", only(*_KPIS), params={"name": "kpis.css"}),
    Rule("GET", "/api/kpis", only(*_KPIS)),
    Rule("GET", "/api/kpis/{table}.csv", only(*_KPIS), params={"table": "summary"}),
]

# --- the website's call button (W2): public routes (visitors do not log in), bounded
# by the call limits; the grid's app has no call service, so the call routes say 503

RULES += [
    Rule("GET", "/webcall/call.js", everyone(200)),
    Rule("OPTIONS", "/api/webcall/offer", everyone(204)),
    Rule("OPTIONS", "/api/webcall/{call_id}/hangup", everyone(204), params={"call_id": "x"}),
    Rule("GET", "/api/webcall/config", everyone(503)),
    Rule("POST", "/api/webcall/offer", everyone(503), json={"sdp": "v=0", "type": "offer"}),
    Rule("POST", "/api/webcall/{call_id}/hangup", everyone(404), params={"call_id": "nope"}),
]
