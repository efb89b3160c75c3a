"""Live assist's recorder: every heard line on the bus, final lines on the call's
case (speaker caller/agent), and after each final caller line the cards for that
line, with the caller's lines before it as context when it is not enough alone
(``AssistSuggested`` for that line). Real store (SQLite and
PostgreSQL), real bus; the lookup is a recording stand-in (the real one is checked
in tests/web/test_assist_web.py and tests/integration/test_assist.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from guichet.bus import InMemoryBus
from guichet.casefile.repository import CaseRepository
from guichet.events import AssistLine, AssistSuggested
from guichet.store import open_store
from knowledge import CardHit, CardHits
from pbx.assist import AssistRecorder, HeardLine, agent_of_member

NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


def line(text: str, seq: int, *, final: bool = True) -> HeardLine:
    return HeardLine(text=text, final=final, seq=seq, lang="fr", started_at=NOW)


def test_the_agent_of_a_member_interface() -> None:
    assert agent_of_member("PJSIP/alice") == "alice"
    assert agent_of_member("alice") == "alice"


async def test_lines_events_case_turns_and_suggestions(store_url: str) -> None:
    store = open_store(store_url)
    asked: list[str] = []

    def suggest(text: str, lang: str) -> CardHits:
        asked.append(text)
        card = CardHit("cni-demande", "Carte d'identité", 0.9, "termes : carte", "Il faut…", "ec")
        return CardHits(text, (card,), "carte d'identité" in text)  # confident: whole

    try:
        cases = CaseRepository(store)
        case = await cases.open_case(call_id=None)
        bus = InMemoryBus()
        with ThreadPoolExecutor(1) as kb_pool:
            recorder = AssistRecorder(
                call_id="1795645008.8",
                case_id=case.id,
                agent="alice",
                bus=bus,
                cases=cases,
                suggest=suggest,
                kb_pool=kb_pool,
            )
            async with bus.subscribe(types=(AssistLine, AssistSuggested)) as events:
                recorder.start()
                recorder.heard("agent", line("Accueil de la mairie, bonjour", 1))
                recorder.heard("caller", line("je voudrais", 1, final=False))
                for seq, text in enumerate(["bonjour", "c'est pour", "ma carte", "d'identité"], 1):
                    recorder.heard("caller", line(text, seq))
                    suggested = await asyncio.wait_for(_next(events, AssistSuggested), 5)
                    assert suggested.for_seq == seq and suggested.agent == "alice"
                await recorder.aclose()
        # "d'identité" alone is not enough: looked up again with the two lines before
        assert asked[-2:] == ["d'identité", "c'est pour ma carte d'identité"]
        turns = (await cases.get_case(case.id)).turns
        assert [(t.speaker, t.text) for t in turns] == [
            ("agent", "Accueil de la mairie, bonjour"),
            ("caller", "bonjour"),
            ("caller", "c'est pour"),
            ("caller", "ma carte"),
            ("caller", "d'identité"),
        ]
    finally:
        store.close()


async def _next(events: object, kind: type[AssistSuggested]) -> AssistSuggested:
    while True:
        event = await events.get()  # type: ignore[attr-defined]
        if isinstance(event, kind):
            return event
