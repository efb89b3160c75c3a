"""What a baresip test phone has recorded so far (its sndfile dump of what it heard),
and a wait on it: the RTP a phone receives is the clock of a conversation, so a test
waits until so much audio has been recorded rather than sleeping for that long."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.support.sip_caller import CallSession

__all__ = ["heard", "recorded_more", "recorded_samples"]

RATE = 8000  # the dump: 8 kHz s16 after a 44-byte header


def heard(session: CallSession) -> Path | None:
    # baresip's sndfile dump is a WAV file whose name may lack ".wav" (seen on the
    # caller's side of a queue call): match both
    found = sorted(session.dumps.glob("dump-*-dec*"))
    return found[-1] if found else None


def recorded_samples(session: CallSession) -> int:
    path = heard(session)
    return max(0, (path.stat().st_size - 44) // 2) if path is not None else 0


async def recorded_more(session: CallSession, seconds: float, timeout: float) -> None:
    """Until ``session`` has recorded ``seconds`` more audio (a condition polled with a
    time-out)."""
    target = recorded_samples(session) + int(seconds * RATE)
    async with asyncio.timeout(timeout):
        while recorded_samples(session) < target:
            await asyncio.sleep(0.05)
