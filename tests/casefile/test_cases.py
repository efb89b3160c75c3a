from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from guichet.casefile.errors import CaseNotFound, InvalidCaseUpdate
from guichet.casefile.records import CaseFile, Channel, Outcome, Speaker
from guichet.casefile.repository import CaseRepository
from guichet.casefile.summary import Summarizer, facts_of, template_summary
from guichet.store import Store, open_store
from guichet.store.models import Call

QUESTION = "Bonjour, je voudrais refaire ma carte d'identité, comment faire ?"
ANSWER = "Pour une carte d'identité, prenez rendez-vous en ligne et venez avec une photo."


async def _phone_case(cases: CaseRepository, store: Store) -> CaseFile:
    with store.session() as s:
        s.add(Call(id="chan-1", caller="0612345678", called="3000", state="ended", state_data={}))
    case = await cases.open_case(call_id="chan-1", caller_number="06 12 34 56 78", language="fr")
    await cases.add_turn(case.id, Speaker.BOT, "Bonjour, mairie de Guichet-sur-Mer.")
    await cases.add_turn(case.id, "caller", QUESTION)
    await cases.add_proposal(case.id, "cni", 0.91, title="Carte nationale d'identité")
    await cases.add_proposal(case.id, "passeport", 0.40, title="Passeport")
    await cases.add_turn(case.id, "bot", ANSWER, card_id="cni", confidence=0.91)
    await cases.add_turn(
        case.id, "caller", "Et pour un enfant mineur ? Je veux parler à quelqu'un."
    )
    await cases.set_topic(case.id, "cni", "Carte nationale d'identité", service="etat-civil")
    return await cases.get_case(case.id)


async def test_case_lifecycle(cases: CaseRepository, store: Store, db_url: str) -> None:
    case_file = await _phone_case(cases, store)
    case = case_file.case
    assert case.caller_number == "+33612345678"
    assert case.channel is Channel.PHONE and case.outcome is Outcome.OPEN
    assert [t.seq for t in case_file.turns] == [1, 2, 3, 4]
    assert [t.speaker for t in case_file.turns] == ["bot", "caller", "bot", "caller"]
    assert case_file.turns[2].card_id == "cni" and case_file.turns[2].confidence == 0.91
    assert [(p.card_id, p.confidence) for p in case_file.proposals] == [
        ("cni", 0.91),
        ("passeport", 0.40),
    ]
    assert (await cases.case_for_call("chan-1")) == case

    escalated = await cases.set_outcome(case.id, Outcome.ESCALATED)
    assert escalated.closed_at is None  # an expert still has to act
    answered = await cases.set_outcome(case.id, "answered_by_reception")
    assert answered.closed_at is not None

    # a fresh process (here: a fresh engine) reads the same case file
    reopened = CaseRepository(open_store(db_url))
    again = await reopened.get_case(case.id)
    assert again.case.outcome is Outcome.ANSWERED_BY_RECEPTION
    assert [t.text for t in again.turns] == [t.text for t in case_file.turns]
    assert [c.id for c in await reopened.list_cases(outcome="answered_by_reception")] == [case.id]


async def test_chat_case_without_call_or_number(cases: CaseRepository) -> None:
    case = await cases.open_case(channel="chat", caller_number="anonymous", language="en")
    assert case.call_id is None and case.caller_number is None


async def test_bad_updates_are_refused(cases: CaseRepository) -> None:
    with pytest.raises(CaseNotFound):
        await cases.add_turn("nope", "caller", "hello")
    case = await cases.open_case()
    with pytest.raises(InvalidCaseUpdate, match="unknown speaker"):
        await cases.add_turn(case.id, "robot", "beep")
    with pytest.raises(InvalidCaseUpdate, match="unknown outcome"):
        await cases.set_outcome(case.id, "solved")
    with pytest.raises(InvalidCaseUpdate, match="confidence"):
        await cases.add_proposal(case.id, "cni", 1.5)
    with pytest.raises(InvalidCaseUpdate, match="no call"):
        await cases.open_case(call_id="not-a-call")
    with pytest.raises(InvalidCaseUpdate, match="unknown channel"):
        await cases.open_case(channel="fax")


async def test_template_summary_has_the_facts(cases: CaseRepository, store: Store) -> None:
    case_file = await _phone_case(cases, store)
    summary = await Summarizer().summarize(case_file)
    assert summary.source == "template"
    text = summary.text
    assert "Objet : Carte nationale d'identité (service : etat-civil)" in text
    assert "je voudrais refaire ma carte d'identité" in text  # first question
    assert "enfant mineur" in text  # last question
    assert "prenez rendez-vous en ligne" in text  # what was already answered
    assert "Numéro : 06 12 34 56 78" in text
    await cases.set_summary(case_file.case.id, text)
    assert (await cases.get_case(case_file.case.id)).case.summary == text


async def test_english_summary_and_unknowns(cases: CaseRepository) -> None:
    case = await cases.open_case(channel="chat", language="en")
    await cases.add_turn(case.id, "caller", "x " * 300)  # long: trimmed
    await cases.add_proposal(case.id, "waste", 0.3, title="Bulky waste collection")
    text = template_summary(facts_of(await cases.get_case(case.id)))
    assert text.startswith("Topic: Bulky waste collection")  # best proposal when no topic
    assert "Already answered: nothing" in text
    assert "Number: unknown (withheld)" in text
    assert max(len(line) for line in text.splitlines()) < 260


class _LlmHandler(BaseHTTPRequestHandler):
    mode = "good"
    release: threading.Event
    requests: list[dict[str, Any]]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.requests.append(body)
        if self.mode == "hang":
            self.release.wait(10)
            return
        if self.mode == "garbage":
            data = b"<html>oops</html>"
        else:
            content = (
                "Demande de renouvellement de CNI pour un mineur ; rappeler le 06 12 34 56 78."
                if self.mode == "good"
                else "Demande de renouvellement de CNI pour un mineur."
            )
            data = json.dumps({"choices": [{"message": {"content": content}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def llm() -> Iterator[tuple[str, type[_LlmHandler]]]:
    class Handler(_LlmHandler):  # a class per test: its own mode, requests and release
        release = threading.Event()
        requests: list[dict[str, Any]] = []  # noqa: RUF012 - one list per test class

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", Handler
    Handler.release.set()
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("mode", "source"),
    [("good", "llm"), ("garbage", "template"), ("no_number", "template"), ("hang", "template")],
)
async def test_llm_summary_and_fallback(
    cases: CaseRepository,
    store: Store,
    llm: tuple[str, type[_LlmHandler]],
    mode: str,
    source: str,
) -> None:
    url, handler = llm
    handler.mode = mode
    case_file = await _phone_case(cases, store)
    summary = await Summarizer(url, "tiny", timeout_s=0.5).summarize(case_file)
    assert summary.source == source
    assert "06 12 34 56 78" in summary.text
    request = handler.requests[0]
    assert request["model"] == "tiny"
    assert "06 12 34 56 78" in request["messages"][-1]["content"]


async def test_llm_unreachable_falls_back(cases: CaseRepository, store: Store) -> None:
    case_file = await _phone_case(cases, store)
    summary = await Summarizer("http://127.0.0.1:9/v1", timeout_s=0.5).summarize(case_file)
    assert summary.source == "template"


async def test_text_with_nul_is_kept_without_it(cases: CaseRepository) -> None:
    """A NUL character (a chat client's "\\u0000", a model's output) is refused by
    PostgreSQL in any text column, and kept by SQLite: the case file drops it, so a
    stray byte does not lose the citizen's whole message on one backend."""
    case = await cases.open_case(channel="chat", language="fr")
    turn = await cases.add_turn(case.id, "caller", "carte\x00 grise ?")
    await cases.set_summary(case.id, "Demande\x00 de carte grise.")
    await cases.set_topic(case.id, "cg", "Carte\x00 grise")
    await cases.add_proposal(case.id, "cg", 0.8, title="Carte\x00 grise")
    case_file = await cases.get_case(case.id)
    assert turn.text == "carte grise ?" and case_file.turns[0].text == "carte grise ?"
    assert case_file.case.summary == "Demande de carte grise."
    assert (case_file.case.topic_card_id, case_file.case.topic_title) == ("cg", "Carte grise")
    assert case_file.proposals[0].title == "Carte grise"


async def test_concurrent_turns_are_numbered_in_order(cases: CaseRepository) -> None:
    """The bot and an agent write turns of one case at the same time: each turn gets
    its own number, none is lost to the (case_id, seq) uniqueness."""
    case = await cases.open_case()
    turns = await asyncio.gather(*(cases.add_turn(case.id, "bot", f"turn {i}") for i in range(8)))
    assert sorted(t.seq for t in turns) == list(range(1, 9))
    case_file = await cases.get_case(case.id)
    assert [t.seq for t in case_file.turns] == list(range(1, 9))
    assert sorted(t.text for t in case_file.turns) == sorted(f"turn {i}" for i in range(8))
