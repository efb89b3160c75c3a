"""Live assist's routes through the real app (session, CSRF, roles) over the real
demo knowledge base, on SQLite and PostgreSQL: the manual search (cards, why, an
honest "no reliable card"), the suggestions on demand (published on the bus too),
and the cards pinned and used, stored in ``card_uses`` for the call's case."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from agent_softphone.app import create_app
from agent_softphone.state import AppState
from guichet.bus import InMemoryBus
from guichet.events import AssistSuggested, Event
from guichet.settings import Settings
from guichet.store import Store, open_store
from guichet.store.models import Call, CardUse, Case, CaseAgent, CaseTurn
from knowledge import KnowledgeBase, ingest
from knowledge.embeddings import get_embedder
from tests.web.login import add_account, log_in

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"
CALL_ID = "1795645007.7"


@pytest.fixture(scope="module")
def demo_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    settings = Settings()
    path = tmp_path_factory.mktemp("assist-kb")
    report = ingest(
        REPO / "knowledge" / "demo" / "cards", path, get_embedder(settings.kb_embedding_model)
    )
    assert not report.errors
    return KnowledgeBase.open(path, settings)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    store = open_store(store_url)
    add_account(store, "alice", "agent", password=PASSWORD)
    add_account(store, "bob", "agent", password=PASSWORD)
    yield store
    store.close()


def alice_took_a_call(store: Store, caller_said: list[str]) -> str:
    """A call alice answered (its ``case_agents`` row), with the caller's lines."""
    case_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    with store.session() as session:
        session.add(Call(id=CALL_ID, caller="0612345678", state="ended", state_data={}))
        session.flush()
        session.add(
            Case(
                id=case_id,
                call_id=CALL_ID,
                channel="phone",
                language="fr",
                outcome="open",
                created_at=now,
                updated_at=now,
            )
        )
        session.flush()
        session.add(
            CaseAgent(
                call_id=CALL_ID,
                case_id=case_id,
                username="alice",
                queue="reception",
                role="agent",
                rung_at=now,
                answered_at=now,
            )
        )
        for seq, text in enumerate(caller_said, 1):
            session.add(CaseTurn(case_id=case_id, seq=seq, speaker="caller", text=text, at=now))
    return case_id


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
