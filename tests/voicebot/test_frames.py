from voicebot.frames import (
    AudioFrame,
    BargeInFrame,
    DTMFFrame,
    FrameQueue,
    HangupFrame,
    TextFrame,
)


async def test_control_frames_overtake_queued_audio() -> None:
    queue = FrameQueue()
    audio = [AudioFrame(bytes(320), 8000, t=i * 0.02) for i in range(5)]
    for frame in audio[:3]:
        queue.put(frame)
    queue.put(BargeInFrame(0.1))
    queue.put(audio[3])
    queue.put(DTMFFrame("0"))
    queue.put(audio[4])
    out = [await queue.get() for _ in range(7)]
    assert out[:2] == [BargeInFrame(0.1), DTMFFrame("0")]
    assert out[2:] == audio  # data keeps its order


async def test_drop_data_keeps_control_frames() -> None:
    queue = FrameQueue()
    queue.put(TextFrame("a", "fr"))
    queue.put(HangupFrame())
    queue.put(AudioFrame(bytes(320), 8000))
    assert queue.drop_data() == 2
    assert queue.qsize() == 1
    assert isinstance(await queue.get(), HangupFrame)


def test_audio_frame_duration() -> None:
    assert AudioFrame(bytes(320), 8000).duration == 0.02
    assert AudioFrame(bytes(640), 16000).duration == 0.02
