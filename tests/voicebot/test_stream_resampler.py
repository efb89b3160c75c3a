"""A stream resampled frame by frame comes out as the whole stream resampled at once:
no step at each frame's edge (the 50 Hz buzz of 20 ms frames resampled one by one)."""

from __future__ import annotations

import numpy as np
import pytest

from voicebot import StreamResampler, resample


def tone(rate: int, seconds: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


@pytest.mark.parametrize(("src", "dst"), [(8000, 16000), (8000, 48000), (16000, 48000)])
def test_frames_upsampled_in_turn_are_the_whole_stream_upsampled(src: int, dst: int) -> None:
    samples = tone(src)
    stream = StreamResampler(src, dst)
    step = src // 50
    framed = np.concatenate([stream(samples[i : i + step]) for i in range(0, samples.size, step)])
    whole = resample(samples, src, dst)
    # the same samples, less than one source sample late (the first ones rise from the
    # silence before the stream)
    late = dst // src - 1
    assert abs(framed.size - whole.size) <= 1
    n = framed.size - late
    assert np.abs(framed[late:] - whole[:n]).max() < 1e-5
    # so as smooth as the whole: no step at the frame edges
    roughest = np.abs(np.diff(framed[late:], 2)).max()
    assert roughest <= 1.1 * np.abs(np.diff(whole, 2)).max() + 1e-6


def test_each_frame_resampled_alone_has_the_step_this_removes() -> None:
    samples = tone(8000)
    alone = np.concatenate(
        [resample(samples[i : i + 160], 8000, 16000) for i in range(0, 4000, 160)]
    )
    assert (
        np.abs(np.diff(alone, 2)).max()
        > 2 * np.abs(np.diff(resample(samples, 8000, 16000), 2)).max()
    )


def test_downsampling_is_left_to_the_frame_by_frame_resampler() -> None:
    samples = tone(48000, 0.02)
    assert np.array_equal(StreamResampler(48000, 16000)(samples), resample(samples, 48000, 16000))
