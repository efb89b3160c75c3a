"""The desk's routes through the real app (session, CSRF, roles): the page in French
and English, its files, the state API, the directory, and the presence websocket
(closing the last page logs the agent out of the queues after the grace)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from agent_softphone.app import create_app
from agent_softphone.state import AppState
from guichet.bus import InMemoryBus
from guichet.desk import DeskPolicy, DeskQueues
from guichet.events import DeskStateChanged
from guichet.store import Store, open_store
from tests.support.desk_control import RecordingDesk
from tests.web.login import add_account, log_in

PASSWORD = "correct horse battery staple"
POLICY = DeskPolicy(
    DeskQueues(
        reception="reception",
        services={"etat-civil": "etat-civil"},
        labels={"etat-civil": {"fr": "État civil", "en": "Civil registry"}},
    ),
    wrapup_s=30.0,
    presence_grace_s=0.3,
)


@pytest.fixture
def store(tmp_path: object) -> Iterator[Store]:
    store = open_store(f"sqlite:///{tmp_path}/desk.db")
    add_account(store, "alice", "agent", password=PASSWORD, display_name="Alice Martin")
    add_account(store, "bob", "agent", password=PASSWORD, language="en")
    add_account(store, "ines", "expert", password=PASSWORD, services=["etat-civil"])
    add_account(store, "sam", "supervisor", password=PASSWORD)
    yield store
    store.close()


@pytest.fixture
def control() -> RecordingDesk:
    return RecordingDesk()


@pytest.fixture
def bus() -> InMemoryBus:
    return InMemoryBus()


@pytest.fixture
def client(store: Store, control: RecordingDesk, bus: InMemoryBus) -> Iterator[TestClient]:
    state = AppState(store, bus=bus, desk=control, desk_policy=POLICY)
    with TestClient(create_app(state), base_url="http://testserver") as client:
        yield client


def test_the_page_speaks_french_first_and_english_on_request(client: TestClient) -> None:
    assert client.get("/desk", follow_redirects=False).status_code == 401
    log_in(client, "alice", PASSWORD)
    page = client.get("/desk")
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text and "Répondre" in page.text
    assert "Alice Martin" in page.text
    assert '<a href="/desk?lang=en" lang="en">English</a>' in page.text
    assert 'aria-live="assertive"' in page.text  # ringing and alerts are announced
    english = client.get("/desk?lang=en")
    assert '<html lang="en">' in english.text and "Answer" in english.text
    js = client.get("/desk/assets/desk.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert client.get("/desk/assets/desk.css").status_code == 200
    for bad in ("..%2Fdesk%2Froutes.py", "nothing.js", ".hidden.js", "routes.py"):
        assert client.get(f"/desk/assets/{bad}").status_code == 404, bad


def test_an_agent_account_in_english_gets_english(client: TestClient) -> None:
    log_in(client, "bob", PASSWORD)
    assert '<html lang="en">' in client.get("/desk").text


def test_a_supervisor_has_no_desk(client: TestClient) -> None:
    log_in(client, "sam", PASSWORD)
    assert client.get("/desk").status_code == 403
    assert client.get("/api/desk/state").status_code == 403


def test_state_changes_need_csrf_and_reach_the_queues(
    client: TestClient, control: RecordingDesk
) -> None:
    csrf = log_in(client, "alice", PASSWORD)
    assert client.get("/api/desk/state").json()["state"] == "logged_out"
    refused = client.post("/api/desk/state", json={"state": "available"})
    assert refused.status_code == 403 and control.applied == []
    reply = client.post(
        "/api/desk/state",
        json={"state": "paused", "reason": "pause café"},
        headers={"X-CSRF-Token": csrf},
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert (body["state"], body["reason"], body["serves"]) == (
        "paused",
        "pause café",
        ["reception"],
    )
    assert control.applied == [("alice", ("reception",), "paused", "pause café")]
    wrapup = client.post(
        "/api/desk/state", json={"state": "wrapup"}, headers={"X-CSRF-Token": csrf}
    ).json()
    assert wrapup["until"] is not None and wrapup["wrapup_s"] == 30.0
    bad = client.post("/api/desk/state", json={"state": "dancing"}, headers={"X-CSRF-Token": csrf})
    assert bad.status_code == 422
    assert client.get("/api/desk/state").json()["state"] == "wrapup"


def test_a_refusal_from_the_queues_is_a_502(client: TestClient, control: RecordingDesk) -> None:
    csrf = log_in(client, "alice", PASSWORD)
    control.refuse = True
    reply = client.post(
        "/api/desk/state", json={"state": "available"}, headers={"X-CSRF-Token": csrf}
    )
    assert reply.status_code == 502
    assert client.get("/api/desk/state").json()["state"] == "logged_out"


def test_an_expert_serves_the_queues_of_their_services(
    client: TestClient, control: RecordingDesk
) -> None:
    csrf = log_in(client, "ines", PASSWORD)
    client.post("/api/desk/state", json={"state": "available"}, headers={"X-CSRF-Token": csrf})
    assert control.applied == [("ines", ("etat-civil",), "available", "")]


def test_the_directory_lists_service_queues_and_colleagues(client: TestClient) -> None:
    log_in(client, "alice", PASSWORD)
    directory = client.get("/api/desk/directory").json()
    assert {q["extension"]: q["label"] for q in directory["queues"]} == {
        "etat-civil": "État civil",
        "reception": "reception",
    }
    names = {c["username"] for c in directory["colleagues"]}
    assert names == {"bob", "ines"}  # not herself, not the supervisor


def test_closing_the_last_page_logs_out_after_the_grace(
    client: TestClient, control: RecordingDesk, bus: InMemoryBus
) -> None:
    csrf = log_in(client, "alice", PASSWORD)
    client.post("/api/desk/state", json={"state": "available"}, headers={"X-CSRF-Token": csrf})
    subscribed = threading.Event()

    async def logged_out() -> DeskStateChanged:
        async with bus.subscribe(types=(DeskStateChanged,)) as stream:
            subscribed.set()
            while True:
                event = await asyncio.wait_for(stream.get(), 5.0)
                if isinstance(event, DeskStateChanged) and event.state == "logged_out":
                    return event

    assert client.portal is not None
    waiting = client.portal.start_task_soon(logged_out)
    assert subscribed.wait(5.0)
    with client.websocket_connect(
        "/api/desk/presence", headers={"Origin": "http://testserver"}
    ) as ws:
        first = ws.receive_json()
        assert (first["state"], first["pages"]) == ("available", 1)
        assert not waiting.done()  # the page is open: still in the queues
    out = waiting.result(timeout=10.0)  # the server's grace (0.3 s), then the queues
    assert (out.username, out.reason) == ("alice", "page closed")
    assert control.applied[-1] == ("alice", ("reception",), "logged_out", "page closed")
    assert client.get("/api/desk/state").json()["state"] == "logged_out"


def test_the_presence_socket_needs_a_session(client: TestClient) -> None:
    with (
        pytest.raises(WebSocketDisconnect),
        client.websocket_connect(
            "/api/desk/presence", headers={"Origin": "http://testserver"}
        ) as ws,
    ):
        ws.receive_json()
