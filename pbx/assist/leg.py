"""One side of an agent call, heard on its own: an ARI snoop on that person's channel
(``spy=in``: only what they say), bridged with a chan_websocket externalMedia channel
(:class:`pbx.media.link.MediaLink`), whose audio feeds a transcribe-only pipeline.

Finals come from the pipeline (one per utterance, VAD → ASR in the shared Whisper
workers at the assist-final priority). During a long utterance an interim text is
decoded every ``interim_every_s`` from the last ``interim_max_s`` of the utterance
(the shortened-input decoder keeps that cheap) at the lowest priority, and only on an
idle pool: under load it is skipped, never queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from guichet.tasks import TaskOwner, cancel_and_wait
from pbx.ari.rest import AriRest
from pbx.errors import AriError, AriNotFound, MediaError
from pbx.media.link import MediaLink
from voicebot import (
    ASR_ASSIST_FINAL,
    ASR_ASSIST_INTERIM,
    AsrEngine,
    AsrLane,
    Dropped,
    Frame,
    Lang,
    ListeningEngines,
    TranscriptionFrame,
    TurnCancelledFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
    VoicebotConfig,
    VoicebotPipeline,
    pcm16_to_float,
    resample,
)

__all__ = ["ASSIST_PREFIX", "AssistLeg", "HeardLine", "LegEars"]

log = logging.getLogger(__name__)

# every channel and bridge live assist makes is named so (its own ARI application):
# a restarted controller finds what a dead one left and removes it
ASSIST_PREFIX = "guichet-assist-"
STASIS_TIMEOUT_S = 5.0
LEAVE_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class HeardLine:
    """What one leg heard: an interim or the final text of utterance ``seq``."""

    text: str
    final: bool
    seq: int
    lang: str
    started_at: dt.datetime
    speech_end_at: dt.datetime | None = None


class LegEars:
    """The shared engines as live assist sees them: its finals in their own lane of
    the one ASR scheduler (after every voicebot turn)."""

    def __init__(self, engines: ListeningEngines) -> None:
        self._engines = engines
        self._lane = AsrLane(engines.asr_pool, ASR_ASSIST_FINAL)

    @property
    def asr(self) -> AsrEngine:
        return self._engines.asr

    @property
    def vad_factory(self) -> Callable[[], Any]:
        return self._engines.vad_factory

    @property
    def asr_pool(self) -> Executor:
        return self._lane


def _wall(perf: float) -> dt.datetime:
    """A ``time.perf_counter()`` reading as a wall-clock time."""
    return dt.datetime.now(dt.UTC) - dt.timedelta(seconds=time.perf_counter() - perf)


class AssistLeg:
    def __init__(
        self,
        rest: AriRest,
        *,
        app: str,
        ari_base_url: str,
        target: str,
        leg_id: str,
        engines: ListeningEngines,
        config: VoicebotConfig,
        lang: Lang | None,
        on_line: Callable[[HeardLine], None],
        expect_stasis_start: Callable[[str], asyncio.Future[None]],
        expect_stasis_end: Callable[[str], asyncio.Future[None]],
        interim_every_s: float = 2.5,
        interim_max_s: float = 8.0,
    ) -> None:
        self.rest = rest
        self.app = app
        self.target = target
        self.snoop_id = f"{ASSIST_PREFIX}{leg_id}-snoop"
        self._expect = expect_stasis_start
        self._expect_end = expect_stasis_end
        self._on_line = on_line
        self._engines = engines
        self._interim_lane = AsrLane(engines.asr_pool, ASR_ASSIST_INTERIM, droppable=True)
        self.interim_every_s = interim_every_s
        self.interim_max_s = interim_max_s
        self.link = MediaLink(
            rest,
            app=app,
            ari_base_url=ari_base_url,
            call_id=self.snoop_id,
            link_id=f"assist-{leg_id}",
            on_audio=self._audio,
        )
        self.pipeline = VoicebotPipeline.transcribe(
            LegEars(engines),
            config,
            sample_rate=8000,
            lang=lang,
            on_event=self._observe,
        )
        self._tasks = TaskOwner(f"assist-{leg_id}")
        self._rate = 8000
        self._speech: bytearray | None = None  # the utterance being spoken, from its onset
        self._speech_started = dt.datetime.now(dt.UTC)
        self._seq = 0  # the VAD's turn number of the utterance in progress
        self._interim_seq = -1
        self.interims = 0
        self.interims_dropped = 0

    async def open(self) -> None:
        """Snoop, bridge, media websocket, pipeline; raises MediaError / AriError."""
        entered = self._expect(self.snoop_id)
        # AriRest has no snoop call yet (pbx/ari is not live assist's to change)
        await self.rest._request(
            "POST",
            f"/channels/{self.target}/snoop",
            params={"spy": "in", "whisper": "none", "app": self.app, "snoopId": self.snoop_id},
            not_found=AriNotFound("channel", self.target),
        )
        # a channel joins a bridge only once in the application (earlier: 422)
        await asyncio.wait_for(asyncio.shield(entered), STASIS_TIMEOUT_S)
        await self.pipeline.start()
        await self.link.open(self._expect)
        self._rate = self.link.sample_rate
        if self._rate != self.pipeline.sample_rate:
            raise MediaError(f"assist media at {self._rate} Hz, slin (8 kHz) asked for")
        self._tasks.spawn(self._interims(), "interims")

    async def wait_closed(self) -> None:
        await self.link.wait_closed()

    async def aclose(self) -> None:
        """Everything this leg made is gone from Asterisk when this returns (or after
        ``LEAVE_TIMEOUT_S``: a REST hang-up completes later, at the StasisEnd)."""
        leaving = [self._expect_end(c) for c in (self.snoop_id, self.link.media_channel_id)]
        await self._tasks.aclose()
        with contextlib.suppress(AriError):  # gone with the person's channel
            await self.rest.hangup(self.snoop_id)
        await self.link.aclose()
        await self.pipeline.aclose()
        _, pending = await asyncio.wait(leaving, timeout=LEAVE_TIMEOUT_S)
        if pending:
            log.warning(
                "assist leg %s: channels not gone in %.0f s", self.snoop_id, LEAVE_TIMEOUT_S
            )

    # --- audio in ---
    def _audio(self, pcm: bytes) -> None:
        self.pipeline.push_audio(pcm)
        if self._speech is not None:
            self._speech += pcm

    # --- what the pipeline observed ---
    def _observe(self, frame: Frame) -> None:
        if isinstance(frame, UserStartedSpeakingFrame):
            self._seq += 1
            self._speech = bytearray()
            self._speech_started = dt.datetime.now(dt.UTC)
        elif isinstance(frame, TurnCancelledFrame):
            # the speaker resumed after a short pause: the same utterance goes on
            self._seq = frame.turn
        elif isinstance(frame, UserStoppedSpeakingFrame):
            self._speech = None
        elif isinstance(frame, TranscriptionFrame) and not frame.rejected and frame.text:
            self._on_line(
                HeardLine(
                    text=frame.text,
                    final=True,
                    seq=frame.turn,
                    lang=frame.lang,
                    started_at=self._speech_started,
                    speech_end_at=_wall(
                        frame.endpoint_wall - (frame.endpoint_t - frame.speech_end_t)
                    ),
                )
            )

    async def _interims(self) -> None:
        """Every ``interim_every_s`` of a long utterance: a partial text, if a worker
        is idle (under load, the final is all there is)."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.interim_every_s)  # a pace, not a synchronisation
            speech = self._speech
            if speech is None or len(speech) < self.interim_every_s * self._rate * 2:
                continue
            seq = self._seq
            tail = bytes(speech[-int(self.interim_max_s * self._rate) * 2 :])
            audio = resample(pcm16_to_float(tail), self._rate, 16000)
            lang = self.pipeline.lang
            job = asyncio.wrap_future(
                self._interim_lane.submit(self._engines.asr.transcribe, audio, lang), loop=loop
            )
            try:
                result = await job
            except Dropped:
                self.interims_dropped += 1
                continue
            except Exception:
                log.exception("assist interim transcription failed")
                continue
            finally:
                await cancel_and_wait(job)
            if result.rejected or not result.text or self._speech is None or seq != self._seq:
                continue  # the final is out (or on its way): an interim would go back
            self.interims += 1
            self._on_line(
                HeardLine(
                    text=result.text,
                    final=False,
                    seq=seq,
                    lang=result.lang,
                    started_at=self._speech_started,
                )
            )
