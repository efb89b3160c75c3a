"""A call's media link that never leaves the caller without RTP.

chan_websocket (Asterisk 22) plays what Guichet sends, and when Guichet sends nothing
Asterisk sends the caller nothing: no RTP at all while the bot listens (measured:
6-7 s without a packet in a call of three questions). An operator's session border
controller with an RTP time-out may then hang up on the citizen mid-call.

Asterisk has nothing to fill those gaps on a two-party bridge: ``transmit_silence``
covers recording and waiting applications, not bridges; the silence chan_websocket
generated in 23.0-23.2 was taken out upstream (its format switching broke transcoded
RTP) and 22 never had it; only forcing the softmix technology on the bridge would
(a bridge type this module does not own, and one more mixing interval each way).
So the link fills the gaps itself, on the same 20 ms clock Asterisk plays at: once
what it sent has been played out (or a barge-in dropped it), it queues silence and
keeps :data:`LEAD_S` of it ahead of the playout, a frame every 20 ms, until there
is speech again. Speech never waits behind that silence: the first frame of speech
flushes whatever silence Asterisk still has queued.

Before a link feeds the caller and after it is closed, Asterisk's own silence
generator fills the line (:mod:`pbx.calls.line_silence`): the link stops it once it
is up, and starts it again as it closes, before its own silence stops.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from guichet.tasks import TaskOwner
from pbx.ari.rest import AriRest
from pbx.calls.line_silence import start_line_silence, stop_line_silence
from pbx.errors import MediaError
from pbx.media.link import ExpectStasisStart, MediaLink

__all__ = ["SteadyLink"]

FRAME_S = 0.02  # Asterisk's ptime for slin on chan_websocket
# how long after the last frame of speech has been played the silence starts (the
# bot's own audio comes paced; a frame a little late must not be taken for its end)
START_AFTER_S = 0.02
# once filling, this much silence stays queued in Asterisk ahead of what it plays.
# The controller is a Python process: a thread synthesizing or resampling can hold
# the GIL, and the loop then wakes 100-150 ms late (measured at the callback step,
# tests/integration/test_rtp_between_steps.py) with no callback of its own slow. A
# frame sent just in time would leave the caller that long without RTP; a queue
# ahead rides it out. It delays nothing: speech flushes the queued silence first.
LEAD_S = 0.2


class SteadyLink(MediaLink):
    """A :class:`MediaLink` that sends silence whenever it has nothing to send."""

    def __init__(
        self,
        rest: AriRest,
        *,
        app: str,
        ari_base_url: str,
        call_id: str,
        link_id: str,
        on_audio: Callable[[bytes], None],
        ari_timeout_s: float = 1.0,
    ) -> None:
        super().__init__(
            rest,
            app=app,
            ari_base_url=ari_base_url,
            call_id=call_id,
            link_id=link_id,
            on_audio=on_audio,
        )
        self._filler = TaskOwner(f"silence-{link_id}")
        self._lock = asyncio.Lock()  # a flush and the frame it makes way for go together
        self._played_at = 0.0  # loop time by which everything sent has been played
        self._filling = False  # what Asterisk still has queued is only silence
        # a flush moves the playout time back: the filler must not sleep until the time
        # the dropped audio would have taken to play (the caller would get no RTP)
        self._rescheduled = asyncio.Event()
        self.silence_frames = 0  # sent so far (tests, logs)
        self._ari_timeout_s = ari_timeout_s

    async def open(self, expect_stasis_start: ExpectStasisStart) -> None:
        await super().open(expect_stasis_start)
        async with self._lock:
            self._played_at = asyncio.get_running_loop().time()
            # the lead is queued before Asterisk's silence stops, not a frame later by
            # the filler: a loop stalled at that moment (the voicebot starts as its link
            # opens) left the caller 100-150 ms without RTP just after the answer, in CI
            # (40 ms on a quiet machine; 21-32 ms with the lead queued first, loaded or
            # not). What the generator still drops of it is a frame or two.
            with contextlib.suppress(MediaError):  # gone: the filler ends on its own
                await self._top_up()
        self._filler.spawn(self._fill(), "fill")
        # the link feeds the caller now: Asterisk's own silence, which filled the line
        # while the link was made (and would drop what the bridge writes), makes way
        await stop_line_silence(self.rest, self.call_id, self._ari_timeout_s)

    async def send(self, pcm: bytes) -> None:
        async with self._lock:
            now = asyncio.get_running_loop().time()
            if self._filling:
                self._filling = False
                if now < self._played_at:
                    await super().flush()  # only silence is queued: out of the way
                self._played_at = now
            await super().send(pcm)
            self._played_at = max(self._played_at, now) + len(pcm) / (2 * self.sample_rate)

    async def flush(self) -> None:
        async with self._lock:
            await super().flush()
            # Asterisk's queue is empty now: silence goes in at once, in the same turn
            # of the loop (a stall that starts here must find something to play)
            self._filling = False
            self._played_at = asyncio.get_running_loop().time()
            with contextlib.suppress(MediaError):  # gone: the filler ends on its own
                await self._top_up()
            self._rescheduled.set()

    async def aclose(self) -> None:
        # Asterisk's silence takes the line over before the link's stops: the next
        # step (another link, a queue, the hang-up) finds it filled
        await start_line_silence(self.rest, self.call_id, self._ari_timeout_s)
        await self._filler.aclose()
        await super().aclose()

    @property
    def _silence(self) -> bytes:
        return bytes(2 * round(self.sample_rate * FRAME_S))

    def _fill_due(self) -> float:
        if self._filling:
            return self._played_at - LEAD_S
        return self._played_at + START_AFTER_S

    async def _top_up(self) -> None:
        """Queue silence until :data:`LEAD_S` of it is ahead of the playout (with the
        lock held). A media that is gone raises MediaError."""
        now = asyncio.get_running_loop().time()
        self._played_at = max(self._played_at, now)
        while self._played_at < now + LEAD_S:
            await super().send(self._silence)
            self._filling = True
            self.silence_frames += 1
            self._played_at += FRAME_S

    async def _fill(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._rescheduled.clear()
            wait = self._fill_due() - loop.time()
            if wait > 0:
                # the 20 ms playout clock, or sooner if a flush moved it back
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self._rescheduled.wait()
                continue
            async with self._lock:
                if loop.time() < self._fill_due():
                    continue  # speech went out meanwhile
                try:
                    await self._top_up()
                except MediaError:
                    return  # the media is gone: there is no caller left to keep alive
