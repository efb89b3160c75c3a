"""Live assist's cards follow what the caller just said: the newest line decides, the
lines before it help only when the knowledge base is not confident on it alone.

Real demo knowledge base (real embeddings, real calibration) through the call side's
own lookup (``suggest_with``) and recorder; the caller's final lines go in as the
transcriber hands them over, the ``AssistSuggested`` for each comes off the bus.
The questions are written for this test from the demo cards' topics."""

from __future__ import annotations

import asyncio
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from guichet.bus import EventStream, InMemoryBus
from guichet.casefile.repository import CaseRepository
from guichet.events import AssistSuggested
from guichet.store import open_store
from knowledge import KnowledgeBase
from pbx.assist import AssistRecorder, HeardLine, suggest_with

NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
NOISE = "Mon voisin fait du bruit toutes les nuits, je n'arrive plus à dormir."
DUMP = "Je voudrais aussi savoir les horaires de la déchetterie."
PACS = "Comment on fait pour se pacser à la mairie ?"
HOW_LONG = "Combien de temps ça prend ?"  # says nothing of its topic


async def first_cards(kb: KnowledgeBase, tmp_path: Path, lines: list[str]) -> list[str]:
    """The first card suggested after each of the caller's ``lines``."""
    store = open_store(f"sqlite:///{tmp_path / 'assist.db'}")
    try:
        cases = CaseRepository(store)
        case = await cases.open_case(call_id=None)
        bus = InMemoryBus()
        firsts: list[str] = []
        with ThreadPoolExecutor(1) as kb_pool:
            recorder = AssistRecorder(
                call_id="1795645008.9",
                case_id=case.id,
                agent="alice",
                bus=bus,
                cases=cases,
                suggest=suggest_with(kb),
                kb_pool=kb_pool,
            )
            async with bus.subscribe(types=(AssistSuggested,)) as events:
                recorder.start()
                for seq, text in enumerate(lines, 1):
                    # each line's cards before the next line (as a caller who waits
                    # for the agent): no lookup is superseded here
                    recorder.heard(
                        "caller",
                        HeardLine(text=text, final=True, seq=seq, lang="fr", started_at=NOW),
                    )
                    suggested = await asyncio.wait_for(_suggested(events, seq), 30)
                    firsts.append(suggested.cards[0].card_id if suggested.cards else "")
                await recorder.aclose()
        return firsts
    finally:
        store.close()


async def _suggested(events: EventStream, seq: int) -> AssistSuggested:
    while True:
        event = await events.get()
        if isinstance(event, AssistSuggested) and event.for_seq == seq:
            return event


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        # a clear question on a new topic: its own card, not the last topic's
        ([NOISE, DUMP], ["bruit-voisinage", "decheterie"]),
        ([NOISE, PACS], ["bruit-voisinage", "pacs"]),
    ],
    ids=["noise-then-dump", "noise-then-pacs"],
)
async def test_a_clear_question_on_a_new_topic_gets_its_own_card_first(
    demo_kb: KnowledgeBase, tmp_path: Path, lines: list[str], expected: list[str]
) -> None:
    assert await first_cards(demo_kb, tmp_path, lines) == expected


async def test_a_short_follow_up_keeps_the_topic_of_the_question_before(
    demo_kb: KnowledgeBase, tmp_path: Path
) -> None:
    # alone, "how long does it take?" is no topic: the knowledge base is not confident
    # on it (nor is its top card the PACS one), so the question before gives the topic
    alone = suggest_with(demo_kb)
    assert alone is not None
    assert not alone(HOW_LONG, "fr").reliable
    assert await first_cards(demo_kb, tmp_path, [PACS, HOW_LONG]) == ["pacs", "pacs"]


async def test_a_follow_up_after_a_change_of_topic_keeps_the_new_topic(
    demo_kb: KnowledgeBase, tmp_path: Path
) -> None:
    # the PACS question was enough on its own: the noise before it is no context for
    # the follow-up
    assert await first_cards(demo_kb, tmp_path, [NOISE, PACS, HOW_LONG]) == [
        "bruit-voisinage",
        "pacs",
        "pacs",
    ]
