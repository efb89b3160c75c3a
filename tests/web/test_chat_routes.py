"""The website chat's routes through the real app (CORS/CSP middleware, sessions, roles)
over the real demo knowledge base, on SQLite and PostgreSQL: the conversation and its
case (channel ``web``), answers with their source, abstention and the three
hand-overs, the abuse limits and what the visitor is told, CORS, and the desk's side
(take, answer with suggestions, another agent's 404)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from agent_softphone.access import Principal
from agent_softphone.app import create_app
from agent_softphone.auth import CSRF_HEADER
from agent_softphone.chat.limits import SlidingWindow
from agent_softphone.desk.store import DeskStateRepository
from agent_softphone.feed_filter import FeedFilter
from agent_softphone.state import AppState
from guichet.bus import InMemoryBus
from guichet.events import ChatEvent, Event
from guichet.settings import Settings
from guichet.store import Store
from guichet.store.models import Callback, Case, CaseTurn, SmsOutboxRow
from knowledge import KnowledgeBase
from tests.web.login import add_account, log_in

PASSWORD = "correct horse battery staple"
SITE = "https://www.saint-aubin.example"
CITY = {"Origin": SITE}


@pytest.fixture
def store(store: Store) -> Store:
    """The empty store (tests/web/conftest.py), with the agents alice and bob."""
    for name in ("alice", "bob"):
        add_account(store, name, "agent", password=PASSWORD)
    return store


class RecordingBus(InMemoryBus):
    """The real bus, and what was published on it."""

    def __init__(self) -> None:
        super().__init__()
        self.published: list[Event] = []

    def publish(self, event: Event) -> None:
        self.published.append(event)
        super().publish(event)


def app_client(
    store: Store, kb: KnowledgeBase, bus: RecordingBus | None = None, **settings: Any
) -> TestClient:
    given = Settings(
        web_chat_origins=[SITE + "/"],  # a trailing slash is not part of an origin
        web_chat_card_url="https://www.saint-aubin.example/demarches/{card_id}",
        **settings,
    )
    return TestClient(create_app(AppState(store, settings=given, knowledge=kb, bus=bus)))


@pytest.fixture
def client(store: Store, demo_kb: KnowledgeBase) -> TestClient:
    return app_client(store, demo_kb)


def start(client: TestClient, lang: str = "fr") -> tuple[dict[str, str], dict[str, Any]]:
    reply = client.post(
        "/api/chat/conversations", json={"lang": lang, "city": "Saint-Aubin"}, headers=CITY
    )
    assert reply.status_code == 201, reply.text
    body = reply.json()
    return {**CITY, "X-Chat-Token": body["token"]}, body


def say(client: TestClient, headers: dict[str, str], text: str) -> list[dict[str, Any]]:
    reply = client.post("/api/chat/messages", json={"text": text}, headers=headers)
    assert reply.status_code == 200, reply.text
    messages: list[dict[str, Any]] = reply.json()["messages"]
    return messages


def test_a_conversation_is_a_web_case_and_answers_with_the_cards_source(
    client: TestClient, store: Store
) -> None:
    headers, body = start(client)
    assert (
        body["messages"][0]["kind"] == "greeting" and "Saint-Aubin" in body["messages"][0]["text"]
    )
    assert (
        client.post("/api/chat/conversations", json={}).headers.get("access-control-allow-origin")
        is None
    )
    messages = say(client, headers, "Bonjour, je voudrais refaire mon passeport, comment faire ?")
    answer = next(m for m in messages if m["kind"] == "answer")
    assert answer["source"]["card_id"] == "passeport-demande"
    assert answer["source"]["url"] == "https://www.saint-aubin.example/demarches/passeport-demande"
    assert answer["source"]["label"].startswith("Source : fiche")
    assert answer["details"]  # the rest of the card, written
    # another visitor sees only their own conversation; a made-up token, nothing
    other, _ = start(client)
    theirs = client.get("/api/chat/messages", headers=other).json()["messages"]
    assert [m["kind"] for m in theirs] == ["greeting"]
    forged = {**CITY, "X-Chat-Token": headers["X-Chat-Token"][:-2] + "xx"}
    assert client.get("/api/chat/messages", headers=forged).status_code == 401
    with store.session() as session:
        case = session.scalars(select(Case).where(Case.topic_card_id == "passeport-demande")).one()
        assert case.channel == "web"
        speakers = [
            t.speaker
            for t in session.scalars(
                select(CaseTurn).where(CaseTurn.case_id == case.id).order_by(CaseTurn.seq)
            )
        ]
        assert speakers[:3] == ["bot", "caller", "bot"]


def test_out_of_scope_abstains_and_offers_callback_and_hours_without_an_agent(
    client: TestClient, store: Store
) -> None:
    headers, _ = start(client)
    messages = say(client, headers, "Quel temps fera-t-il demain à Tokyo ?")
    kinds = [m["kind"] for m in messages]
    assert "abstain" in kinds and "answer" not in kinds
    offer = next(m for m in messages if m["kind"] == "offer")
    assert offer["offers"] == ["callback", "hours"]  # nobody at the desk: no live chat

    hours = client.post("/api/chat/hours", headers=headers).json()["messages"][-1]
    assert hours["source"]["card_id"] == "horaires-mairie"
    assert "place de la République" in hours["text"]

    refused = client.post("/api/chat/callback", json={"number": "08 99 12 34 56"}, headers=headers)
    assert refused.status_code == 422 and "ne peut pas" in refused.json()["detail"]
    booked = client.post("/api/chat/callback", json={"number": "06 12 34 56 78"}, headers=headers)
    assert booked.status_code == 200
    text = booked.json()["messages"][-1]["text"]
    assert "06 12 34 56 78" in text and "SMS" in text
    with store.session() as session:
        callback = session.scalars(select(Callback)).one()
        assert callback.number == "+33612345678" and callback.reference in text
        sms = session.scalars(select(SmsOutboxRow)).one()
        assert sms.to_number == "+33612345678" and "Tokyo" not in sms.body


def test_the_page_language_then_the_visitors(client: TestClient) -> None:
    headers, body = start(client, lang="en-GB")
    assert body["lang"] == "en" and body["messages"][0]["text"].startswith("Hello")
    headers, _ = start(client, lang="fr")
    messages = say(client, headers, "How can I get a passport for my son please?")
    assert messages[2]["kind"] == "notice" and "English" in messages[2]["text"]
    answer = next(m for m in messages if m["kind"] == "answer")
    assert answer["lang"] == "en" and "passport" in answer["text"].lower()


def test_limits_are_said_to_the_visitor(store: Store, demo_kb: KnowledgeBase) -> None:
    client = app_client(
        store, demo_kb, web_chat_per_conversation_per_min=2, web_chat_starts_per_ip_per_hour=3
    )
    headers, _ = start(client)
    too_long = client.post("/api/chat/messages", json={"text": "x" * 501}, headers=headers)
    assert too_long.status_code == 413 and "500 caractères" in too_long.json()["detail"]
    say(client, headers, "Bonjour")
    say(client, headers, "Et pour la carte d'identité ?")
    fast = client.post("/api/chat/messages", json={"text": "Encore une ?"}, headers=headers)
    assert fast.status_code == 429
    assert "trop vite" in fast.json()["detail"] and int(fast.headers["retry-after"]) > 0
    assert fast.headers["access-control-allow-origin"] == SITE  # the widget can read why
    start(client)
    start(client)
    many = client.post("/api/chat/conversations", json={"lang": "en"}, headers=CITY)
    assert many.status_code == 429 and "Too many conversations" in many.json()["detail"]


def test_cors_names_only_the_configured_origins(client: TestClient) -> None:
    evil = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    assert client.options("/api/chat/conversations", headers=evil).status_code == 403
    assert (
        client.post(
            "/api/chat/conversations", json={}, headers={"Origin": "https://evil.example"}
        ).status_code
        == 403
    )
    good = client.options(
        "/api/chat/messages",
        headers={
            **CITY,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-chat-token",
        },
    )
    assert good.status_code == 204
    assert good.headers["access-control-allow-origin"] == SITE
    assert "X-Chat-Token" in good.headers["access-control-allow-headers"]
    assert "access-control-allow-credentials" not in good.headers
    started = client.post("/api/chat/conversations", json={}, headers=CITY)
    assert started.headers["content-security-policy"].startswith("default-src 'none'")
    assert started.headers["x-content-type-options"] == "nosniff"
    # the agents' side is not for other sites
    assert (
        "access-control-allow-origin"
        not in client.get("/api/chat/desk/chats", headers=CITY).headers
    )


def test_live_chat_taken_by_one_agent_with_suggestions(
    store: Store, demo_kb: KnowledgeBase
) -> None:
    bus = RecordingBus()
    client = app_client(store, demo_kb, bus)
    alice, bob = client, TestClient(client.app)
    csrf_a = log_in(alice, "alice", PASSWORD)
    csrf_b = log_in(bob, "bob", PASSWORD)
    DeskStateRepository(store).record("alice", "available", "", ["reception"])
    assert alice.get("/api/chat/desk/chats").json()["waiting"] == []  # alice's panel is open

    visitor = TestClient(client.app)  # no cookie: a visitor
    headers, _ = start(visitor)
    messages = say(visitor, headers, "Quel temps fera-t-il demain à Tokyo ?")
    assert next(m for m in messages if m["kind"] == "offer")["offers"][0] == "agent"
    waiting = visitor.post("/api/chat/agent", headers=headers).json()
    assert waiting["state"] == "waiting"

    listed = alice.get("/api/chat/desk/chats").json()["waiting"]
    assert len(listed) == 1 and "Tokyo" in listed[0]["first_question"]
    chat_id = listed[0]["id"]
    taken = alice.post(f"/api/chat/desk/chats/{chat_id}/take", headers={CSRF_HEADER: csrf_a})
    assert taken.status_code == 200
    assert [m["author"] for m in taken.json()["messages"]][:3] == ["bot", "visitor", "bot"]
    assert taken.json()["suggestions"]["cards"]  # live assist's cards for the visitor's words
    # bob may neither read nor take it now
    assert bob.get(f"/api/chat/desk/chats/{chat_id}").status_code == 404
    assert (
        bob.post(f"/api/chat/desk/chats/{chat_id}/take", headers={CSRF_HEADER: csrf_b}).status_code
        == 404
    )

    sent = alice.post(
        f"/api/chat/desk/chats/{chat_id}/messages",
        json={"text": "Bonjour, <script>alert(1)</script> je regarde."},
        headers={CSRF_HEADER: csrf_a},
    )
    assert sent.status_code == 200
    seen = visitor.get("/api/chat/messages", params={"after": 0}, headers=headers).json()[
        "messages"
    ]
    assert seen[-1]["author"] == "agent" and seen[-1]["text"].startswith("Bonjour, <script>")
    say(visitor, headers, "Merci, c'est pour la carte d'identité en fait")
    refreshed = alice.get(f"/api/chat/desk/chats/{chat_id}").json()["suggestions"]
    assert any(c["card_id"] == "cni-demande" for c in refreshed["cards"])

    closed = alice.post(f"/api/chat/desk/chats/{chat_id}/close", headers={CSRF_HEADER: csrf_a})
    assert closed.json()["state"] == "ended"
    with store.session() as session:
        case = session.get(Case, chat_id)
        assert case is not None and case.outcome == "answered_by_reception"
    ended = visitor.post("/api/chat/messages", json={"text": "Allô ?"}, headers=headers)
    assert ended.status_code == 409
    chat_events = [e for e in bus.published if isinstance(e, ChatEvent)]
    assert [e.type for e in chat_events] == ["chat.waiting", "chat.taken", "chat.ended"]
    assert all(e.chat_id == chat_id for e in chat_events)
    # the whole desk sees them (no visitor text in them); the agent's taking too
    bob_feed = FeedFilter(Principal(2, "bob", "Bob", "agent", frozenset(), "fr"))
    assert all(bob_feed(e) is e for e in chat_events)


def test_sliding_window() -> None:
    now = [0.0]
    window = SlidingWindow("ip", 2, 60.0, clock=lambda: now[0])
    assert window.hit("a") is None and window.hit("a") is None
    refused = window.hit("a")
    assert refused is not None and refused.retry_after_s == 60
    assert window.hit("b") is None
    now[0] = 60.5
    assert window.hit("a") is None
