"""Typed frames flowing through the pipeline (pipecat-like).

Two kinds: :class:`DataFrame` (audio, text: ordered, may queue up) and
:class:`ControlFrame` (barge-in, DTMF, hang-up, language, bot speaking, end: overtake
queued data). :class:`FrameQueue` delivers control frames first, FIFO within each kind.

Most frames flow downstream (from the caller's audio to the transport). A few travel
upstream, against the flow, to tell earlier stages what happened later on: the output
stage tells the VAD when the bot speaks and how loud (barge-in and echo rejection),
the dialog tells the ASR when the caller chose a language.
"""

from __future__ import annotations

import asyncio
import enum
import itertools
from dataclasses import dataclass, field
from typing import Literal

Lang = Literal["fr", "en"]


@dataclass(frozen=True)
class Frame:
    """Base frame."""


@dataclass(frozen=True)
class DataFrame(Frame):
    """Ordered content: may wait behind other data."""


@dataclass(frozen=True)
class ControlFrame(Frame):
    """Overtakes queued data frames."""


# --- data ---
@dataclass(frozen=True)
class AudioFrame(DataFrame):
    """PCM16 mono little-endian; ``t`` is the audio time of its start (s, call clock)."""

    pcm: bytes
    sample_rate: int
    t: float = 0.0

    @property
    def duration(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate


@dataclass(frozen=True)
class UtteranceFrame(DataFrame):
    """One caller turn cut by the VAD: 16 kHz PCM16, with its speech span (audio time)."""

    pcm16k: bytes
    turn: int
    speech_start_t: float
    speech_end_t: float
    endpoint_t: float  # audio time when the end was detected
    endpoint_wall: float = 0.0  # perf_counter() when the end was detected
    revision: int = 0  # >0: the caller resumed; replaces the same turn's earlier revision


@dataclass(frozen=True)
class TextFrame(DataFrame):
    text: str
    lang: Lang


@dataclass(frozen=True)
class TranscriptionFrame(TextFrame):
    turn: int = 0
    revision: int = 0
    speech_end_t: float = 0.0
    endpoint_t: float = 0.0
    endpoint_wall: float = 0.0
    asr_ms: float = 0.0
    rejected: str | None = None
    # the caller's speech made the call change to ``lang`` with this turn (re-heard in
    # it): the dialog follows, and says so once
    switch: bool = False


@dataclass(frozen=True)
class SpeakFrame(TextFrame):
    """Text for the bot to say (already chosen by the dialog; ear-normalised by TTS)."""

    turn: int = 0


@dataclass(frozen=True)
class BotAudioFrame(AudioFrame):
    """20 ms of the bot's voice at the call's rate."""

    turn: int = 0
    last: bool = False


@dataclass(frozen=True)
class TtsDoneFrame(DataFrame):
    """Everything the bot had to say for ``turn`` has been synthesized."""

    turn: int


@dataclass(frozen=True)
class BotHangupFrame(DataFrame):
    """The bot ends the call once what it said before has been played (ordered, not control)."""

    reason: str


@dataclass(frozen=True)
class DialogActionFrame(DataFrame):
    """A dialog decision other than speech (transfer, callback), for the call controller."""

    kind: Literal["transfer", "callback"]
    reason: str
    turn: int = 0


@dataclass(frozen=True)
class AnswerFrame(DataFrame):
    """Knowledge result for a turn (for transcripts and live assist)."""

    turn: int
    card_id: str | None
    abstained: bool
    confidence: float
    retrieval_ms: float
    reply_text: str
    title: str | None = None  # the card's title (None when abstained)
    # the service that handles the topic: who to hand the caller to (a hint even
    # when the answer abstained)
    service: str | None = None
    # the card is only put to the caller ("Vous parlez bien de … ?"); when they say yes,
    # another AnswerFrame, not to confirm, follows for the turn that gives the answer
    to_confirm: bool = False


# --- control ---
@dataclass(frozen=True)
class DTMFFrame(ControlFrame):
    digit: str


@dataclass(frozen=True)
class UserStartedSpeakingFrame(ControlFrame):
    t: float


@dataclass(frozen=True)
class UserStoppedSpeakingFrame(ControlFrame):
    t: float


@dataclass(frozen=True)
class BargeInFrame(ControlFrame):
    """The caller speaks over the bot: stop its audio now (StartInterruption)."""

    t: float


@dataclass(frozen=True)
class LanguageFrame(ControlFrame):
    """The call's language is decided, or changed: judged by the ASR from enough of the
    caller's speech (``detected``, downstream; :mod:`voicebot.language`), or chosen by
    the caller in the dialog by key or word (``chosen``: downstream for the observers,
    upstream so that the ASR listens in it). Never sent for the default language the
    call starts in: until one comes, the language is not known."""

    lang: Lang
    source: Literal["detected", "chosen"]


@dataclass(frozen=True)
class BotStartedSpeakingFrame(ControlFrame):
    """The output stage started playing the bot's voice (downstream and upstream)."""


@dataclass(frozen=True)
class BotStoppedSpeakingFrame(ControlFrame):
    """The bot's voice stopped (downstream and upstream): the playback ran out
    (``interrupted`` False: the caller's turn to speak begins) or a barge-in or
    hang-up cut it."""

    interrupted: bool = False


@dataclass(frozen=True)
class EchoReferenceFrame(ControlFrame):
    """Upstream, one per bot frame played: its level (RMS) and when it was played
    (``perf_counter``). The VAD's echo guard compares the caller's audio with it."""

    level: float
    wall: float


@dataclass(frozen=True)
class TurnCancelledFrame(ControlFrame):
    """The caller resumed: drop the pending work for this turn."""

    turn: int


@dataclass(frozen=True)
class SilenceTimeoutFrame(ControlFrame):
    pass


@dataclass(frozen=True)
class EngineIncidentFrame(ControlFrame):
    """An engine let the bot down and the bot made do: a sentence it could not
    synthesize (``kind`` "failed" or "timeout": the caller heard a short apology
    instead), or a degraded voice ("degraded_voice"). Observed, for the operators'
    count (``guichet status``); no text, as what failed may quote personal data."""

    engine: Literal["tts"]
    kind: Literal["failed", "timeout", "degraded_voice"]
    lang: Lang


@dataclass(frozen=True)
class HangupFrame(ControlFrame):
    """The caller hung up: stop everything now."""

    reason: str = "caller"


@dataclass(frozen=True)
class EndFrame(ControlFrame):
    """Stops every stage after it passes."""


class Direction(enum.Enum):
    DOWNSTREAM = "downstream"  # with the flow: caller audio → transport
    UPSTREAM = "upstream"  # against it: later stages → earlier ones


@dataclass(order=True)
class _Item:
    priority: int
    seq: int
    frame: Frame = field(compare=False)
    direction: Direction = field(compare=False, default=Direction.DOWNSTREAM)


class FrameQueue:
    """Unbounded async queue: control frames first, FIFO within a kind (whatever
    their direction)."""

    def __init__(self) -> None:
        self._queue: asyncio.PriorityQueue[_Item] = asyncio.PriorityQueue()
        self._seq = itertools.count()

    def put(self, frame: Frame, direction: Direction = Direction.DOWNSTREAM) -> None:
        priority = 0 if isinstance(frame, ControlFrame) else 1
        self._queue.put_nowait(_Item(priority, next(self._seq), frame, direction))

    async def get(self) -> Frame:
        return (await self._queue.get()).frame

    async def get_directed(self) -> tuple[Frame, Direction]:
        item = await self._queue.get()
        return item.frame, item.direction
