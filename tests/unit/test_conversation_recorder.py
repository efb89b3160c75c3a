"""What a voicebot conversation leaves: the case (turns, proposals, topic, language)
and the typed events the web app receives — the caller's and the bot's turns, the
card proposed with its title and service, the abstentions. Real store and bus."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from guichet.bus import InMemoryBus
from guichet.casefile.repository import CaseRepository
from guichet.events import Abstained, CardProposed, Event, TurnTranscribed
from guichet.store import open_store
from pbx.voicebot_call.events import ConversationRecorder
from voicebot import AnswerFrame, SpeakFrame, TranscriptionFrame

WITHIN_S = 5.0


async def test_turns_cards_and_abstentions_reach_the_case_and_the_bus(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'g.db'}")
    cases = CaseRepository(store)
    case = await cases.open_case(call_id=None, caller_number=None, language="fr")
    bus = InMemoryBus()
    recorder = ConversationRecorder(
        call_id="c1", case_id=case.id, cases=cases, bus=bus, services={"etat-civil"}
    )
    writer = asyncio.ensure_future(recorder.writer.run())
    async with bus.subscribe() as stream:
        recorder.transcribed(TranscriptionFrame("", "fr", turn=1, rejected="noise"))
        recorder.transcribed(TranscriptionFrame("Je voudrais un passeport", "fr", turn=1))
        recorder.answered_from(
            AnswerFrame(
                turn=1,
                card_id="passeport-demande",
                abstained=False,
                confidence=0.91,
                retrieval_ms=12.0,
                reply_text="Sur rendez-vous…",
                title="Demander un passeport",
                service="etat-civil",
            )
        )
        recorder.said(SpeakFrame("Sur rendez-vous…", "fr", turn=1))
        recorder.transcribed(TranscriptionFrame("What about parking fines", "en", turn=2))
        recorder.answered_from(
            AnswerFrame(2, None, abstained=True, confidence=0.2, retrieval_ms=9.0, reply_text="")
        )
        recorder.said(SpeakFrame("I'm sorry, I don't have a reliable answer.", "en", turn=2))
        events: list[Event] = [await asyncio.wait_for(stream.get(), WITHIN_S) for _ in range(6)]
    recorder.writer.finish()
    await asyncio.wait_for(writer, WITHIN_S)

    # the rejected turn is neither published nor written
    caller = [e for e in events if isinstance(e, TurnTranscribed) and e.speaker == "caller"]
    bot = [e for e in events if isinstance(e, TurnTranscribed) and e.speaker == "bot"]
    assert [(e.text, e.lang) for e in caller] == [
        ("Je voudrais un passeport", "fr"),
        ("What about parking fines", "en"),
    ]
    assert [(e.card_id, e.lang) for e in bot] == [("passeport-demande", "fr"), (None, "en")]
    (proposed,) = [e for e in events if isinstance(e, CardProposed)]
    assert (proposed.card_id, proposed.title, proposed.service) == (
        "passeport-demande",
        "Demander un passeport",
        "etat-civil",
    )
    (abstained,) = [e for e in events if isinstance(e, Abstained)]
    assert abstained.turn == 2 and abstained.case_id == case.id
    assert recorder.answered == 1 and recorder.service == "etat-civil"

    stored = await cases.get_case(case.id)
    assert [(t.speaker, t.card_id) for t in stored.turns] == [
        ("caller", None),
        ("bot", "passeport-demande"),
        ("caller", None),
        ("bot", None),
    ]
    assert [p.card_id for p in stored.proposals] == ["passeport-demande"]
    assert stored.case.topic_title == "Demander un passeport"
    assert stored.case.service == "etat-civil"
    assert stored.case.language == "en"  # the last language heard
    store.close()


async def test_a_card_only_put_to_the_caller_is_recorded_once_they_say_yes(
    tmp_path: Path,
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'g.db'}")
    cases = CaseRepository(store)
    case = await cases.open_case(call_id=None, caller_number=None, language="fr")
    recorder = ConversationRecorder(
        call_id="c1", case_id=case.id, cases=cases, bus=InMemoryBus(), services={"etat-civil"}
    )
    writer = asyncio.ensure_future(recorder.writer.run())
    band = AnswerFrame(
        turn=1,
        card_id="passeport-demande",
        abstained=False,
        confidence=0.65,
        retrieval_ms=12.0,
        reply_text="Vous parlez bien de : Demander un passeport ?",
        title="Demander un passeport",
        service="etat-civil",
        to_confirm=True,
    )
    recorder.transcribed(TranscriptionFrame("Il me faut un papier pour voyager", "fr", turn=1))
    recorder.answered_from(band)
    recorder.said(SpeakFrame(band.reply_text, "fr", turn=1))
    assert recorder.answered == 0  # a question to the caller, not an answer
    recorder.transcribed(TranscriptionFrame("Oui", "fr", turn=2))
    recorder.answered_from(replace(band, turn=2, reply_text="Sur rendez-vous…", to_confirm=False))
    recorder.said(SpeakFrame("Sur rendez-vous…", "fr", turn=2))
    recorder.writer.finish()
    await asyncio.wait_for(writer, WITHIN_S)

    assert recorder.answered == 1
    stored = await cases.get_case(case.id)
    assert [(t.speaker, t.card_id) for t in stored.turns] == [
        ("caller", None),
        ("bot", None),
        ("caller", None),
        ("bot", "passeport-demande"),
    ]
    assert [p.card_id for p in stored.proposals] == ["passeport-demande"]
    store.close()
