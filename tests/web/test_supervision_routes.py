"""Supervision's routes through the real app (session, CSRF, roles) on SQLite and
PostgreSQL, with a recording call side: a supervisor listens, whispers, barges and
stops, each action audited before it is done; an agent cannot; the call side's
refusals come back as statuses; and the ``SupervisionChanged`` event reaches the
agent supervised, not another agent."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from agent_softphone.access import Principal
from agent_softphone.app import create_app
from agent_softphone.auth import CSRF_HEADER
from agent_softphone.feed_filter import FeedFilter
from agent_softphone.state import AppState
from guichet.events import CallEnded, SupervisionChanged
from guichet.privacy import audit_trail
from guichet.store import Store
from guichet.supervision import (
    CallNotSupervisable,
    SupervisionBusy,
    SupervisionError,
    SupervisionUnavailable,
    SupervisorUnreachable,
)
from tests.support.supervision_control import RecordingSupervision
from tests.web.login import add_account, log_in

PASSWORD = "correct horse battery staple"
CALL_ID = "1795645008.8"


@pytest.fixture
def store(store: Store) -> Store:
    add_account(store, "alice", "agent", password=PASSWORD)
    add_account(store, "sylvie", "supervisor", password=PASSWORD)
    add_account(store, "root", "admin", password=PASSWORD)
    return store


def client_as(state: AppState, username: str) -> TestClient:
    client = TestClient(create_app(state), base_url="http://testserver")
    client.headers[CSRF_HEADER] = log_in(client, username, PASSWORD)
    return client


def test_a_supervisor_listens_whispers_barges_and_stops_each_audited(store: Store) -> None:
    side = RecordingSupervision()
    client = client_as(AppState(store, supervision=side), "sylvie")
    for mode in ("listen", "whisper", "barge"):
        reply = client.post(f"/api/supervision/{CALL_ID}/{mode}")
        assert reply.status_code == 200, reply.text
        assert reply.json() == {
            "call_id": CALL_ID,
            "agent": "alice",
            "supervisor": "sylvie",
            "mode": mode,
        }
    assert client.get("/api/supervision").json() == [
        {"call_id": CALL_ID, "agent": "alice", "supervisor": "sylvie", "mode": "barge"}
    ]
    reply = client.post(f"/api/supervision/{CALL_ID}/stop")
    assert reply.status_code == 200 and reply.json()["stopped"] is True
    assert side.asked == [(CALL_ID, "sylvie", m) for m in ("listen", "whisper", "barge")]
    assert side.stopped == [CALL_ID]
    rows = audit_trail(store, object=f"call:{CALL_ID}")
    assert [(r.actor, r.action) for r in reversed(rows)] == [
        ("web:sylvie", "supervision.listen"),
        ("web:sylvie", "supervision.whisper"),
        ("web:sylvie", "supervision.barge"),
        ("web:sylvie", "supervision.stop"),
    ]
    # nothing left: a second stop says so (and is audited too)
    assert client.post(f"/api/supervision/{CALL_ID}/stop").json() == {"stopped": False}


def test_an_agent_cannot_listen_and_leaves_no_trace(store: Store) -> None:
    side = RecordingSupervision()
    client = client_as(AppState(store, supervision=side), "alice")
    for action in ("listen", "whisper", "barge", "stop"):
        assert client.post(f"/api/supervision/{CALL_ID}/{action}").status_code == 403
    assert side.asked == [] and side.stopped == []
    assert audit_trail(store, object=f"call:{CALL_ID}") == []


def test_without_the_csrf_token_nothing_is_done(store: Store) -> None:
    side = RecordingSupervision()
    client = client_as(AppState(store, supervision=side), "sylvie")
    del client.headers[CSRF_HEADER]
    assert client.post(f"/api/supervision/{CALL_ID}/listen").status_code == 403
    assert side.asked == []


@pytest.mark.parametrize(
    ("refusal", "status"),
    [
        (CallNotSupervisable("gone"), 404),
        (SupervisionBusy("someone else"), 409),
        (SupervisorUnreachable("no answer"), 409),
        (SupervisionUnavailable("ARI down"), 503),
    ],
)
def test_the_call_sides_refusals_are_statuses(
    store: Store, refusal: SupervisionError, status: int
) -> None:
    side = RecordingSupervision(refuse=refusal)
    client = client_as(AppState(store, supervision=side), "root")  # an admin may too
    assert client.post(f"/api/supervision/{CALL_ID}/listen").status_code == status
    # the attempt is audited all the same
    assert [r.action for r in audit_trail(store, object=f"call:{CALL_ID}")] == [
        "supervision.listen"
    ]


def test_without_a_call_side_503(store: Store) -> None:
    client = client_as(AppState(store), "sylvie")
    assert client.post(f"/api/supervision/{CALL_ID}/listen").status_code == 503


def _principal(username: str, role: str) -> Principal:
    return Principal(1, username, username, role, frozenset(), "fr")


def test_the_indicator_event_reaches_the_agent_supervised_only() -> None:
    event = SupervisionChanged(call_id=CALL_ID, agent="alice", supervisor="sylvie", mode="listen")
    assert FeedFilter(_principal("alice", "agent"))(event) == event
    # another agent, even one that once had the call, does not see it
    bob = FeedFilter(_principal("bob", "agent"), calls=frozenset({CALL_ID}))
    assert bob(event) is None
    # the call itself is still theirs
    assert bob(CallEnded(call_id=CALL_ID, reason="completed")) is not None
    assert FeedFilter(_principal("sylvie", "supervisor"))(event) == event
