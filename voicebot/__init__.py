"""Speech pipeline and dialog: VAD → ASR → dialog → TTS."""
