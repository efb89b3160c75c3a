"""Live assist's routes through the real app (session, CSRF, roles) over the real
demo knowledge base, on SQLite and PostgreSQL: the manual search (cards, why, an
honest "no reliable card"), the suggestions on demand (published on the bus too),
and the cards pinned and used, stored in ``card_uses`` for the call's case."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from agent_softphone.app import create_app
from agent_softphone.state import AppState
from guichet.bus import InMemoryBus
from guichet.events import AssistSuggested, Event
from guichet.store import Store
from guichet.store.models import CardUse
from knowledge import KnowledgeBase
from tests.support.seeds import seed_rung_call
from tests.web.login import add_account, log_in

PASSWORD = "correct horse battery staple"
CALL_ID = "1795645007.7"


@pytest.fixture
def store(store: Store) -> Store:
    """The empty store (tests/web/conftest.py), with the agents alice and bob."""
    for name in ("alice", "bob"):
        add_account(store, name, "agent", password=PASSWORD)
    return store


def alice_took_a_call(store: Store, caller_said: list[str]) -> str:
    """A call alice answered (its ``case_agents`` row), with the caller's lines."""
    return seed_rung_call(store, call_id=CALL_ID, username="alice", caller_said=caller_said)


class RecordingBus(InMemoryBus):
    """The real bus, and what was published on it (the app's loop is the test
    client's, in another thread: the test reads the list once the request is done)."""

    def __init__(self) -> None:
        super().__init__()
        self.published: list[Event] = []

    def publish(self, event: Event) -> None:
        self.published.append(event)
        super().publish(event)


@pytest.fixture
def bus() -> RecordingBus:
    return RecordingBus()


@pytest.fixture
def client(store: Store, bus: RecordingBus, demo_kb: KnowledgeBase) -> Iterator[TestClient]:
    state = AppState(store, bus=bus, knowledge=demo_kb)
    with TestClient(create_app(state), base_url="http://testserver") as client:
        yield client


def test_manual_search_names_the_card_and_why(client: TestClient) -> None:
    log_in(client, "alice", PASSWORD)
    found = client.get("/api/assist/search", params={"q": "refaire ma carte d'identité"})
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["reliable"] is True
    top = body["cards"][0]
    assert top["card_id"] == "cni-demande"
    assert "identite" in top["why"] or "carte" in top["why"]
    assert top["answer"] and 0 < top["confidence"] <= 1
    assert len(body["cards"]) <= 3
    assert [c["confidence"] for c in body["cards"]] == sorted(
        (c["confidence"] for c in body["cards"]), reverse=True
    )


def test_an_off_topic_question_gets_no_reliable_card(client: TestClient) -> None:
    log_in(client, "alice", PASSWORD)
    found = client.get(
        "/api/assist/search", params={"q": "quelle est la meilleure recette de tarte aux pommes"}
    )
    assert found.status_code == 200
    assert found.json()["reliable"] is False


def test_refresh_suggests_from_the_callers_last_lines_and_publishes_them(
    client: TestClient, store: Store, bus: RecordingBus
) -> None:
    case_id = alice_took_a_call(
        store, ["bonjour", "c'est pour l'acte de naissance de mon fils, il me faut une copie"]
    )
    csrf = log_in(client, "alice", PASSWORD)
    reply = client.post(f"/api/assist/{CALL_ID}/refresh", headers={"X-CSRF-Token": csrf})
    assert reply.status_code == 200, reply.text
    assert reply.json()["cards"][0]["card_id"] == "acte-naissance"
    (event,) = [e for e in bus.published if isinstance(e, AssistSuggested)]
    assert event.call_id == CALL_ID and event.case_id == case_id and event.agent == "alice"
    assert event.cards[0].card_id == "acte-naissance"
    assert "naissance" in event.query


def test_refresh_follows_the_callers_newest_topic(
    client: TestClient, store: Store, bus: RecordingBus
) -> None:
    """The button uses the call side's rule (knowledge.cards_for): a caller who moved on
    to another topic gets the new topic's card, not a mix with the old one."""
    alice_took_a_call(
        store,
        [
            "mes voisins font la fête tous les soirs jusqu'à trois heures du matin",
            "le bruit de leur musique m'empêche de dormir, je ne sais plus quoi faire",
            "la déchetterie ouvre à quelle heure ?",
        ],
    )
    csrf = log_in(client, "alice", PASSWORD)
    reply = client.post(f"/api/assist/{CALL_ID}/refresh", headers={"X-CSRF-Token": csrf})
    assert reply.status_code == 200, reply.text
    assert reply.json()["cards"][0]["card_id"] == "decheterie"


def test_pin_and_used_are_stored_for_the_agent_of_the_call(
    client: TestClient, store: Store
) -> None:
    case_id = alice_took_a_call(store, ["passeport"])
    csrf = log_in(client, "alice", PASSWORD)
    headers = {"X-CSRF-Token": csrf}
    card = "cni-demande"
    assert (
        client.post(f"/api/assist/{CALL_ID}/cards/{card}/pin", headers=headers).status_code == 201
    )
    assert (
        client.post(f"/api/assist/{CALL_ID}/cards/{card}/used", headers=headers).status_code == 201
    )
    assert (
        client.post(f"/api/assist/{CALL_ID}/cards/no-such-card/used", headers=headers).status_code
        == 404
    )
    with store.session() as session:
        rows = session.scalars(select(CardUse).where(CardUse.card_id == card)).all()
        stored = sorted((r.kind, r.case_id, r.username) for r in rows)
    assert stored == [("pinned", case_id, "alice"), ("used", case_id, "alice")]


def test_another_agent_cannot_act_on_the_call(client: TestClient, store: Store) -> None:
    alice_took_a_call(store, ["passeport"])
    csrf = log_in(client, "bob", PASSWORD)
    headers = {"X-CSRF-Token": csrf}
    for path in ("refresh", "cards/cni-demande/pin", "cards/cni-demande/used"):
        assert client.post(f"/api/assist/{CALL_ID}/{path}", headers=headers).status_code == 404
    with store.session() as session:
        assert session.scalars(select(CardUse)).all() == []
