"""One visitor's call: the browser's audio (aiortc) into a voicebot pipeline, the bot's
voice back; when the caller asks for a person, the call joins Asterisk through the
core's :class:`guichet.webcall.WebCallBridge` and the visitor talks with an agent.

The call's case (channel ``web``) gets the caller's and the bot's turns as they
happen, so that the agent who picks the call up reads what was said.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from aiortc import MediaStreamTrack, RTCPeerConnection

from agent_softphone.webcall.apology import apology_text, say_sorry
from agent_softphone.webcall.media import RATE, OutgoingAudio, PcmResampler, pump_incoming
from guichet.casefile.records import Outcome, Speaker
from guichet.casefile.repository import CaseRepository
from guichet.tasks import TaskOwner, cancel_and_wait
from guichet.webcall import WebCallBridge, WebCallJoin, WebCallLeg, WebCallUnavailable
from voicebot import (
    AnswerFrame,
    BotAudioFrame,
    BotHangupFrame,
    DialogActionFrame,
    EngineFailed,
    Frame,
    HangupFrame,
    TranscriptionFrame,
    Voice,
    VoicebotPipeline,
)

__all__ = ["CallEnd", "PipelineMaker", "WebCall"]

log = logging.getLogger(__name__)

# aiortc's close() can wait forever for a transport that never reports it stopped
# (aiortc issue #283, seen here once in a full test run): a call's end must not hang
# the service that owns it, so the close gets this long, then the call goes on ending
PEER_CLOSE_S = 5.0


async def close_peer(pc: RTCPeerConnection) -> None:
    """Close ``pc``, giving up after :data:`PEER_CLOSE_S` (logged)."""
    try:
        await asyncio.wait_for(pc.close(), PEER_CLOSE_S)
    except TimeoutError:
        log.warning("web call: the peer connection did not close in %.0f s", PEER_CLOSE_S)


CallEnd = Literal[
    "caller_hangup", "bot_hangup", "person_done", "max_duration", "no_person", "engine_failed"
]


class PipelineMaker(Protocol):
    def __call__(
        self, *, sample_rate: int, humans_available: bool, on_event: Callable[[Frame], None]
    ) -> VoicebotPipeline: ...


@dataclass(frozen=True)
class _BotDone:
    kind: Literal["hangup", "person"]
    service: str | None = None


class WebCall:
    def __init__(
        self,
        call_id: str,
        pc: RTCPeerConnection,
        *,
        make_pipeline: PipelineMaker,
        bridge: WebCallBridge | None,
        cases: CaseRepository,
        case_id: str,
        lang: str,
        max_duration_s: float,
    ) -> None:
        self.call_id = call_id
        self.pc = pc
        self.make_pipeline = make_pipeline
        self.bridge = bridge
        self.cases = cases
        self.case_id = case_id
        self.lang = lang
        self.max_duration_s = max_duration_s
        self.outgoing = OutgoingAudio()
        self.caller_track: asyncio.Future[MediaStreamTrack] = (
            asyncio.get_running_loop().create_future()
        )
        self.caller_gone = asyncio.Event()
        self.finished = asyncio.Event()  # over, and its place among the limits given back
        self.end: CallEnd | None = None
        self.leg: WebCallLeg | None = None  # in Asterisk, once handed to a person
        self.events: list[Frame] = []
        self._turns: asyncio.Queue[Frame] = asyncio.Queue()
        self._tasks = TaskOwner(f"webcall-{call_id}")
        self._answered = 0
        self._rate = RATE  # what the visitor's audio is converted to (the leg's rate later)
        self._sink: Callable[[bytes], None] = lambda _pcm: None
        self._voice: Voice | None = None  # the bot's, for the apology after it is gone
        self._spoken_lang = lang  # the language the bot ended in, once the caller's is known

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            if track.kind == "audio" and not self.caller_track.done():
                self.caller_track.set_result(track)

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            if pc.connectionState in ("failed", "closed"):
                self.caller_gone.set()

    # --- the call ---
    async def run(self) -> CallEnd:
        """Until the caller or the person hangs up, or the maximum duration."""
        recorder = self._tasks.spawn(self._record_turns(), "turns")
        try:
            async with asyncio.timeout(self.max_duration_s):
                gone = asyncio.ensure_future(self.caller_gone.wait())
                try:
                    first: set[asyncio.Future[Any]] = {self.caller_track, gone}
                    await asyncio.wait(first, return_when="FIRST_COMPLETED")
                finally:
                    await cancel_and_wait(gone)
                if not self.caller_track.done():
                    self.end = "caller_hangup"  # gone before any audio came
                    return self.end
                self._tasks.spawn(self._pump(self.caller_track.result()), "caller audio")
                done = await self._with_bot()
                if done.kind == "person":
                    await self._with_person(done.service)
        except TimeoutError:
            self.end = "max_duration"
        except WebCallUnavailable as exc:
            log.info("web call %s: no person to hand it to (%s)", self.call_id, exc)
            self.end = "no_person"
            await self._apologise()
        finally:
            self._turns.put_nowait(HangupFrame("end"))
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(recorder), 2.0)
            if self.leg is not None:
                await self.leg.aclose()
            await self._tasks.aclose()
            await close_peer(self.pc)
            await self._close_case()
        log.info("web call %s ended (%s)", self.call_id, self.end)
        return self.end or "caller_hangup"

    async def _pump(self, track: MediaStreamTrack) -> None:
        # through a lambda: the sink changes (the bot, then the person's leg)
        await pump_incoming(track, lambda pcm: self._sink(pcm), lambda: self._rate)  # noqa: PLW0108
        self.caller_gone.set()

    async def _with_bot(self) -> _BotDone:
        people = self.bridge.people_available() if self.bridge is not None else False
        pipeline = self.make_pipeline(
            sample_rate=RATE, humans_available=people, on_event=self._on_event
        )
        self._voice = pipeline.voice()
        async with pipeline:
            self._sink = pipeline.push_audio
            gone = asyncio.ensure_future(self.caller_gone.wait())
            try:
                while True:
                    output = asyncio.ensure_future(pipeline.next_output())
                    await asyncio.wait({output, gone}, return_when=asyncio.FIRST_COMPLETED)
                    if not output.done():
                        await cancel_and_wait(output)
                        self.end = "caller_hangup"
                        return _BotDone("hangup")
                    try:
                        frame = output.result()
                    except EngineFailed as exc:
                        log.warning("web call %s: %s; to a person", self.call_id, exc)
                        return _BotDone("person")
                    done = await self._bot_output(frame)
                    if done is not None:
                        return done
            finally:
                self._sink = lambda _pcm: None
                await cancel_and_wait(gone)
                if pipeline.lang_known:
                    self._spoken_lang = pipeline.lang

    async def _bot_output(self, frame: Frame) -> _BotDone | None:
        if isinstance(frame, BotAudioFrame):
            self.outgoing.queue(frame.pcm)
            return None
        if isinstance(frame, HangupFrame):
            self.end = "caller_hangup"
            return _BotDone("hangup")
        if isinstance(frame, BotHangupFrame):
            await self._played()
            self.end = "bot_hangup"
            return _BotDone("hangup")
        if isinstance(frame, DialogActionFrame):
            # a person (or a callback, which a person arranges on the web): the bot's
            # last words are heard first
            await self._played()
            service = next(
                (e.service for e in reversed(self.events) if isinstance(e, AnswerFrame)), None
            )
            return _BotDone("person", service)
        return None

    async def _played(self) -> None:
        """Wait, at most a few seconds, until the visitor has heard what is queued."""
        wait = min(self.outgoing.queued_s, 10.0)
        if wait > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.caller_gone.wait(), wait)

    async def _apologise(self) -> None:
        """The hand-over failed: the visitor hears so, and what to do instead, before
        the call ends (rather than a silent hang-up); the case keeps the bot's words."""
        if self._voice is None or self.caller_gone.is_set():
            return
        text = apology_text(self._spoken_lang)
        if not await say_sorry(
            self._voice, text, self._spoken_lang, self.outgoing, self.caller_gone
        ):
            return
        await self._played()
        try:
            await self.cases.add_turn(self.case_id, Speaker.BOT, text)
        except Exception as exc:  # the call ends anyway; the case misses a line
            log.warning("web call %s: turn not saved (%s)", self.call_id, type(exc).__name__)

    async def _with_person(self, service: str | None) -> None:
        if self.bridge is None:
            raise WebCallUnavailable("no call side")
        rerate: list[PcmResampler] = []  # once the leg's rate is known

        def heard(pcm: bytes) -> None:  # the person's voice, to the visitor
            if rerate:
                self.outgoing.queue(rerate[0](pcm))

        leg = await self.bridge.join(WebCallJoin(self.case_id, self.lang, service), heard)
        self.leg = leg
        rerate.append(PcmResampler(leg.sample_rate, RATE))
        self._rate = leg.sample_rate
        outbound: asyncio.Queue[bytes] = asyncio.Queue(maxsize=100)

        def say(pcm: bytes) -> None:
            with contextlib.suppress(asyncio.QueueFull):  # a stalled leg drops, never grows
                outbound.put_nowait(pcm)

        async def send() -> None:
            while True:
                await leg.send(await outbound.get())

        self._sink = say
        sender = self._tasks.spawn(send(), "to asterisk")
        closed = asyncio.ensure_future(leg.wait_closed())
        gone = asyncio.ensure_future(self.caller_gone.wait())
        try:
            await asyncio.wait({closed, gone, sender}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._sink = lambda _pcm: None
            await cancel_and_wait(closed, gone, sender)
        self.end = "caller_hangup" if self.caller_gone.is_set() else "person_done"

    # --- the case ---
    def _on_event(self, frame: Frame) -> None:
        self.events.append(frame)
        if isinstance(frame, TranscriptionFrame | AnswerFrame):
            self._turns.put_nowait(frame)

    async def _record_turns(self) -> None:
        while not isinstance(frame := await self._turns.get(), HangupFrame):
            try:
                if isinstance(frame, TranscriptionFrame):
                    if frame.rejected is None and frame.text.strip():
                        await self.cases.add_turn(self.case_id, Speaker.CALLER, frame.text)
                elif isinstance(frame, AnswerFrame) and frame.reply_text:
                    if frame.card_id is not None and not frame.abstained:
                        self._answered += 1
                    await self.cases.add_turn(
                        self.case_id,
                        Speaker.BOT,
                        frame.reply_text,
                        card_id=frame.card_id,
                        confidence=frame.confidence,
                    )
            except Exception as exc:  # the call goes on; the case misses a line
                log.warning("web call %s: turn not saved (%s)", self.call_id, type(exc).__name__)

    async def _close_case(self) -> None:
        if self.leg is not None:
            return  # in a queue: whoever answers records the outcome
        outcome = Outcome.ANSWERED_BY_BOT if self._answered else Outcome.ABANDONED
        try:
            await self.cases.set_outcome(self.case_id, outcome)
        except Exception as exc:
            log.warning("web call %s: case not closed (%s)", self.call_id, type(exc).__name__)
