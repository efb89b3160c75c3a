"""What a baresip test phone hears over a window of its call, taken as the RTP comes
(the phone's recording is the conversation's clock): the window starts when the test
says (after an event: a click took effect, the page shows a state) and ends once so
much more audio has been recorded; nothing sleeps for that long.

A tone's presence is measured as its share of the window's energy and as its level."""

from __future__ import annotations

import numpy as np

from tests.support.audio import FloatArray, band_energy_ratio, read_wav, to_db
from tests.support.recordings import RATE, heard, recorded_more, recorded_samples
from tests.support.sip_caller import CallSession

__all__ = ["TONE_BAND_HZ", "Window", "listen", "tone_level_db"]

TONE_BAND_HZ = 30.0  # half the band a tone is measured in (G.711 and jitter widen it)


class Window:
    """A stretch of what the phone heard: its samples and what they say of a tone."""

    def __init__(self, samples: FloatArray) -> None:
        self.samples = samples

    @property
    def level_db(self) -> float:
        """The stretch's RMS level, dBFS."""
        x = self.samples.astype(np.float64)
        return to_db(float(np.sqrt(np.mean(x * x)))) if len(x) else to_db(0.0)

    def share(self, hz: float) -> float:
        """The share (0..1) of the stretch's energy in the tone at ``hz``."""
        return band_energy_ratio(self.samples, RATE, hz - TONE_BAND_HZ, hz + TONE_BAND_HZ)

    def tone_db(self, hz: float) -> float:
        """The level (dBFS) of the tone at ``hz`` in the stretch."""
        return tone_level_db(self.samples, hz)

    def describe(self, *tones: float) -> str:
        parts = [f"level {self.level_db:.1f} dB"]
        parts += [
            f"{hz:.0f} Hz: share {self.share(hz):.2f}, {self.tone_db(hz):.1f} dB" for hz in tones
        ]
        return "; ".join(parts)


def tone_level_db(x: FloatArray, hz: float) -> float:
    arr = x.astype(np.float64)
    if not len(arr):
        return to_db(0.0)
    rms = float(np.sqrt(np.mean(arr * arr)))
    ratio = band_energy_ratio(x, RATE, hz - TONE_BAND_HZ, hz + TONE_BAND_HZ)
    return to_db(float(np.sqrt(ratio)) * rms)


async def listen(
    session: CallSession, seconds: float, *, skip_s: float = 0.5, timeout: float = 20.0
) -> Window:
    """What ``session`` hears over the next ``seconds``, from ``skip_s`` after now
    (what was on its way when the window opened is left out)."""
    start = recorded_samples(session) + int(skip_s * RATE)
    await recorded_more(session, skip_s + seconds, timeout)
    path = heard(session)
    if path is None:
        raise AssertionError(f"the phone recorded nothing:\n{session.log}")
    samples, rate = read_wav(path)
    assert rate == RATE, rate
    return Window(samples[start : start + int(seconds * RATE)])
