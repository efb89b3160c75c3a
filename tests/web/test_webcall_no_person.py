"""A web call whose hand-over to a person cannot happen (the bridge refuses: nobody
left in the queues; or there is no call side at all) ends with a spoken apology, in
the call's language and the bot's own voice (the real TTS engines: espeak-ng MBROLA
fr1, Piper joe), heard before the call ends; the case is closed as before and keeps
the bot's words. What the visitor heard is read with the real Whisper base model.

The bot's side is a real pipeline reduced to what matters here: a test stage that
asks for a person at once (as the dialog does after "conseiller" or key 0), the
real TTS stage and output stage. The visitor's microphone is aiortc's silent track."""

from __future__ import annotations

import asyncio
import contextlib
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import numpy as np
import pytest
from aiortc import RTCPeerConnection
from aiortc.mediastreams import AudioStreamTrack

from agent_softphone.webcall.apology import apology_text
from agent_softphone.webcall.call import WebCall
from agent_softphone.webcall.media import RATE
from guichet.casefile.records import Channel, Outcome, Speaker
from guichet.casefile.repository import CaseRepository
from guichet.settings import Settings
from guichet.store import Store
from guichet.webcall import WebCallJoin, WebCallLeg, WebCallUnavailable
from tests.support.transcribe import transcribe
from voicebot import DialogActionFrame, Frame, Lang, PriorityPool, VoicebotPipeline
from voicebot.audio import pcm16_to_float, write_wav
from voicebot.engines.tts import TtsEngine
from voicebot.runtime import load_tts
from voicebot.stages.base import Stage
from voicebot.stages.output import OutputStage
from voicebot.stages.tts_stage import TtsStage

pytestmark = pytest.mark.slow

CALL_S = 60.0  # the whole call, apology included (about ten seconds of speech)

# what the visitor must hear, accents and case aside: sorry, nobody is free, and the
# two ways on (a callback, the opening hours)
HEARD: dict[Lang, tuple[str, ...]] = {
    "fr": ("desole", "disponible", "rappel", "horaires"),
    "en": ("sorry", "available", "call", "hours"),
}


class AsksForAPerson(Stage):
    """TEST ONLY: the dialog's decision to hand over, as soon as the call starts."""

    name = "asks-for-a-person"

    def __init__(self, kind: Literal["transfer", "callback"]) -> None:
        super().__init__()
        self.kind = kind

    async def start(self) -> None:
        self.push(DialogActionFrame(self.kind, "dtmf 0"))


class RefusingBridge:
    """TEST ONLY: a call side whose queues emptied after the bot offered a person."""

    def __init__(self) -> None:
        self.asked: list[WebCallJoin] = []

    def people_available(self) -> bool:
        return True

    async def join(self, request: WebCallJoin, on_audio: Callable[[bytes], None]) -> WebCallLeg:
        self.asked.append(request)
        raise WebCallUnavailable("nobody left in the queues")


@pytest.fixture(scope="module")
def bot_tts() -> Iterator[tuple[dict[Lang, TtsEngine], PriorityPool]]:
    """The bot's voices as production loads them (default settings), and their pool."""
    pool = PriorityPool(2, "tts")
    try:
        yield load_tts(Settings()), pool
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _plain(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in folded if not unicodedata.combining(c))


async def _call(
    store: Store,
    bot_tts: tuple[dict[Lang, TtsEngine], PriorityPool],
    *,
    page_lang: str,
    chosen: Lang | None,
    bridge: RefusingBridge | None,
) -> tuple[WebCall, bytes]:
    """Run a web call to its end; what the visitor had heard when it ended."""
    tts, pool = bot_tts
    cases = CaseRepository(store)
    case = await cases.open_case(channel=Channel.WEB, language=page_lang)

    def make_pipeline(
        *, sample_rate: int, humans_available: bool, on_event: Callable[[Frame], None]
    ) -> VoicebotPipeline:
        kind: Literal["transfer", "callback"] = "transfer" if humans_available else "callback"
        return VoicebotPipeline(
            [AsksForAPerson(kind), TtsStage(tts, pool, sample_rate), OutputStage(paced=False)],
            sample_rate=sample_rate,
            lang=chosen or "fr",
            lang_known=chosen is not None,  # as after the caller chose a language
            on_event=on_event,
        )

    pc = RTCPeerConnection()
    call = WebCall(
        "test-call",
        pc,
        make_pipeline=make_pipeline,
        bridge=bridge,
        cases=cases,
        case_id=case.id,
        lang=page_lang,
        max_duration_s=CALL_S,
    )
    heard: list[bytes] = []

    async def listen() -> None:  # the browser's side of the outgoing track, real time
        while True:
            frame = await call.outgoing.recv()
            heard.append(bytes(frame.planes[0])[: frame.samples * 2])

    microphone = AudioStreamTrack()
    listener = asyncio.ensure_future(listen())
    try:
        pc.emit("track", microphone)
        async with asyncio.timeout(CALL_S + 10):
            await call.run()
        at_the_end = b"".join(heard)  # what had been played when the call ended
    finally:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener
        microphone.stop()
        call.outgoing.stop()
    return call, at_the_end


def _transcribed(pcm: bytes, lang: str, tmp_path: Path) -> str:
    wav = tmp_path / f"heard-{lang}.wav"
    write_wav(wav, pcm16_to_float(pcm), RATE)
    return _plain(transcribe(wav, lang))


async def _check(store: Store, call: WebCall, heard: bytes, lang: Lang, tmp_path: Path) -> None:
    assert call.end == "no_person"
    speech = np.abs(pcm16_to_float(heard)) > 0.01
    assert speech.sum() / RATE > 3.0, "the visitor heard (almost) nothing before the end"
    text = _transcribed(heard, lang, tmp_path)
    missing = [word for word in HEARD[lang] if word not in text]
    assert not missing, f"not heard {missing} in {text!r}"
    # the case: closed as before (nothing answered: abandoned), the apology in its turns
    case = await CaseRepository(store).get_case(call.case_id)
    assert case.case.outcome is Outcome.ABANDONED
    assert case.case.closed_at is not None
    assert case.turns[-1].speaker is Speaker.BOT
    assert case.turns[-1].text == apology_text(lang)


@pytest.mark.parametrize(
    ("page_lang", "chosen", "lang"),
    [("fr", None, "fr"), ("fr", "en", "en")],
    ids=["french-page", "caller-chose-english"],
)
async def test_a_refused_hand_over_is_apologised_for_aloud(
    store: Store,
    bot_tts: tuple[dict[Lang, TtsEngine], PriorityPool],
    tmp_path: Path,
    page_lang: str,
    chosen: Lang | None,
    lang: Lang,
) -> None:
    bridge = RefusingBridge()
    call, heard = await _call(store, bot_tts, page_lang=page_lang, chosen=chosen, bridge=bridge)
    assert [r.case_id for r in bridge.asked] == [call.case_id]  # it did try the queues
    await _check(store, call, heard, lang, tmp_path)


async def test_no_call_side_is_apologised_for_aloud(
    store: Store, bot_tts: tuple[dict[Lang, TtsEngine], PriorityPool], tmp_path: Path
) -> None:
    call, heard = await _call(store, bot_tts, page_lang="en", chosen=None, bridge=None)
    await _check(store, call, heard, "en", tmp_path)
