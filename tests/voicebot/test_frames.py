from voicebot.frames import (
    AudioFrame,
    BargeInFrame,
    Direction,
    DTMFFrame,
    EchoReferenceFrame,
    FrameQueue,
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


async def test_feedback_from_downstream_overtakes_audio_and_keeps_its_direction() -> None:
    queue = FrameQueue()
    queue.put(AudioFrame(bytes(320), 8000))
    queue.put(EchoReferenceFrame(0.2, 1.0), Direction.UPSTREAM)
    assert await queue.get_directed() == (EchoReferenceFrame(0.2, 1.0), Direction.UPSTREAM)
    assert await queue.get_directed() == (AudioFrame(bytes(320), 8000), Direction.DOWNSTREAM)


def test_audio_frame_duration() -> None:
    assert AudioFrame(bytes(320), 8000).duration == 0.02
    assert AudioFrame(bytes(640), 16000).duration == 0.02
