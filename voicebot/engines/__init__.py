"""Speech engines behind small interfaces (VAD, ASR, TTS), each with a fake for tests."""
