"""``guichet voicebot simulate``: synthesized callers through the real pipeline and KB."""

from __future__ import annotations

import asyncio
import json
import re
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from guichet.shell.cli import cli
from voicebot import VoicebotConfig
from voicebot.audio import read_wav, write_wav
from voicebot.errors import AudioInputError
from voicebot.knowledge_port import Knowledge
from voicebot.runtime import Engines
from voicebot.simulate import simulate_file

from .speech import say

# (lang, question, card, words Whisper must hear, caller's speaking rate: None for the
# voice's own). fr4's "acte" is fragile: heard "acquitte" or "nage" at 130 and 140 wpm,
# "acte" at 120 and 150 since 8 kHz audio is upsampled without a step at each frame edge
# (before that fix, only 140 worked; fr2 fares worse): that question is asked at 150 wpm.
# en1's "apply" is heard "apply",
# "play" or "polite" as the rate or the pipeline's cut shifts a little: the card is
# asserted, not the verb.
CASES = [
    (
        "fr",
        "Quels sont les horaires d'ouverture de la mairie ?",
        "horaires-mairie",
        {"horaires", "mairie"},
        None,
    ),
    (
        "fr",
        "Comment obtenir une copie de mon acte de naissance ?",
        "acte-naissance",
        {"acte", "naissance"},
        150,
    ),
    ("en", "How do I apply for a passport?", "passport-application", {"passport"}, None),
]
OFF_TOPIC = [
    ("fr", "Quel temps fera-t-il demain à Tokyo ?"),
    ("en", "What is the best pizza in Rome?"),
]


def words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def top_candidate(kb: Knowledge, text: str, lang: str) -> str | None:
    answer: Any = kb.answer(text, lang)
    if not answer.abstained:
        return str(answer.card_id)
    candidates = getattr(answer, "candidates", ())
    return candidates[0].card_id if candidates else None


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@pytest.mark.parametrize(("lang", "question", "card", "keys", "rate_wpm"), CASES)
def test_caller_question_reaches_the_right_card(
    lang: str,
    question: str,
    card: str,
    keys: set[str],
    rate_wpm: int | None,
    engines: Engines,
    knowledge: Knowledge,
    vb_config: VoicebotConfig,
    voices: Path,
) -> None:
    wav = say(question, lang, voices, card, rate_wpm=rate_wpm)
    result = run(simulate_file(engines, knowledge, vb_config, wav, lang=lang))  # type: ignore[arg-type]
    assert keys <= words(result.transcript), result.transcript
    # The voice path answers exactly as the written question does...
    written = knowledge.answer(question, lang)
    assert (result.card_id, result.abstained) == (written.card_id, written.abstained)
    # ...and the knowledge base ranks the right card first for what was heard.
    assert top_candidate(knowledge, result.transcript, lang) == card
    if result.abstained:
        assert "désolé" in result.reply_text or "sorry" in result.reply_text
    else:
        assert result.reply_text.startswith((written.answer or "")[:40])
    timings = result.timings
    assert timings["asr_ms"] and timings["voice_to_voice_ms"] and timings["tts_first_audio_ms"]
    assert result.reply_audio.size > 0


@pytest.mark.parametrize(("lang", "question"), OFF_TOPIC)
def test_off_topic_question_is_an_honest_abstain(
    lang: str,
    question: str,
    engines: Engines,
    knowledge: Knowledge,
    vb_config: VoicebotConfig,
    voices: Path,
) -> None:
    wav = say(question, lang, voices, f"off-{lang}")
    result = run(simulate_file(engines, knowledge, vb_config, wav, lang=lang))  # type: ignore[arg-type]
    assert result.abstained and result.card_id is None
    assert ("désolé" if lang == "fr" else "sorry") in result.reply_text.lower()
    assert ("rappelle" if lang == "fr" else "call you back") in result.reply_text


def cli_simulate(home: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["--home", str(home), "voicebot", "simulate", *args])


def test_cli_simulate_json_and_reply_wav(
    engines: Engines, kb_index: Path, vb_home: Path, voices: Path, tmp_path: Path
) -> None:
    wav = say("Je voudrais parler à un conseiller.", "fr", voices, "agent")
    out = tmp_path / "reply.wav"
    result = cli_simulate(
        vb_home, str(wav), "--lang", "fr", "--index", str(kb_index), "--out", str(out), "--json"
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output.strip().splitlines()[-1])
    assert set(payload) >= {"transcript", "lang", "card_id", "abstained", "reply_text", "timings"}
    assert set(payload["timings"]) == {
        "asr_ms",
        "retrieval_ms",
        "tts_first_audio_ms",
        "voice_to_voice_ms",
    }
    assert "conseiller" in payload["transcript"].lower()
    assert "rappelle" in payload["reply_text"], payload  # after hours: a callback is offered
    samples, rate = read_wav(out)
    assert rate == 8000 and samples.size > 8000


def test_cli_simulate_realtime_and_batch(
    engines: Engines, kb_index: Path, vb_home: Path, voices: Path, tmp_path: Path
) -> None:
    fr = say("Je voudrais refaire ma carte d'identité.", "fr", voices, "cni")
    en = say("When is the town hall open on Saturday?", "en", voices, "open")
    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        json.dumps({"wav": str(fr), "lang": "fr"})
        + "\n"
        + json.dumps({"wav": str(en), "lang": "en"})
        + "\n"
        + json.dumps({"wav": str(tmp_path / "missing.wav"), "lang": "fr"})
        + "\n"
    )
    result = cli_simulate(vb_home, "--batch", str(batch), "--index", str(kb_index), "--json")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.strip().splitlines()]
    assert [line["wav"] for line in lines] == [str(fr), str(en), str(tmp_path / "missing.wav")]
    assert "identité" in lines[0]["transcript"] and lines[1]["lang"] == "en"
    assert "saturday" in lines[1]["transcript"].lower()
    assert "no such file" in lines[2]["error"]
    realtime = cli_simulate(
        vb_home, str(en), "--lang", "en", "--index", str(kb_index), "--realtime", "--json"
    )
    assert realtime.exit_code == 0, realtime.output
    assert json.loads(realtime.output.strip().splitlines()[-1])["timings"]["voice_to_voice_ms"]


# --- hostile inputs: clear errors or sane behaviour, never a hang ---
def test_empty_and_non_wav_inputs_give_clear_errors(
    vb_home: Path, kb_index: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.wav"
    write_wav(empty, np.zeros(0, dtype=np.float32), 8000)
    result = cli_simulate(vb_home, str(empty), "--index", str(kb_index), "--json")
    assert isinstance(result.exception, AudioInputError) and "no audio" in str(result.exception)
    text = tmp_path / "notes.wav"
    text.write_text("not audio")
    result = cli_simulate(vb_home, str(text), "--index", str(kb_index), "--json")
    assert isinstance(result.exception, AudioInputError) and "WAV" in str(result.exception)


def test_noise_truncated_and_odd_rate_inputs_are_handled(
    engines: Engines,
    knowledge: Knowledge,
    vb_config: VoicebotConfig,
    voices: Path,
    tmp_path: Path,
) -> None:
    noise = tmp_path / "noise.wav"
    write_wav(noise, np.random.default_rng(3).normal(0, 0.3, 8000 * 3).astype(np.float32), 8000)
    result = run(simulate_file(engines, knowledge, vb_config, noise, lang="fr"))
    assert len(result.transcript.split()) <= 6  # no invented paragraph
    assert result.card_id is None

    src = say("Je voudrais refaire ma carte d'identité.", "fr", voices, "cni2")
    data = src.read_bytes()
    truncated = tmp_path / "truncated.wav"
    truncated.write_bytes(data[: len(data) * 2 // 3 + 1])  # header promises more; odd length
    result = run(simulate_file(engines, knowledge, vb_config, truncated, lang="fr"))
    assert "voudrais" in result.transcript.lower()

    samples, rate = read_wav(src)
    odd = tmp_path / "44k.wav"
    write_wav(
        odd,
        np.interp(
            np.arange(0, samples.size, rate / 44100), np.arange(samples.size), samples
        ).astype(np.float32),
        44100,
    )
    result = run(simulate_file(engines, knowledge, vb_config, odd, lang="fr"))
    assert "resampled from 44100 Hz" in result.notes[0]
    assert "identité" in result.transcript


def test_two_minutes_of_speech_do_not_hang(
    engines: Engines, knowledge: Knowledge, vb_config: VoicebotConfig, voices: Path, tmp_path: Path
) -> None:
    src = say(
        "Je voudrais savoir comment inscrire mon enfant à la cantine de l'école, "
        "et aussi connaître les tarifs pour le mois prochain",
        "fr",
        voices,
        "long",
    )
    samples, rate = read_wav(src)
    long = np.tile(samples, int(np.ceil(120 * rate / samples.size)))[: 120 * rate]
    path = tmp_path / "long.wav"
    write_wav(path, long, rate)
    result = run(simulate_file(engines, knowledge, vb_config, path, lang="fr"))
    assert "timed out waiting for the reply" not in result.notes
    assert result.turns >= 1
    assert "cantine" in result.transcript


def test_wav_header_rates(tmp_path: Path) -> None:
    path = tmp_path / "stereo.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(np.zeros(3200, dtype="<i2").tobytes())
    samples, rate = read_wav(path)
    assert (samples.size, rate) == (1600, 16000)


def test_language_is_detected_once_when_not_given(
    engines: Engines, knowledge: Knowledge, vb_config: VoicebotConfig, voices: Path
) -> None:
    en = say("How do I apply for a passport?", "en", voices, "detect-en")
    result = run(simulate_file(engines, knowledge, vb_config, en, lang=None))
    assert result.lang == "en" and "passport" in result.transcript.lower()
    fr = say("Je voudrais refaire ma carte d'identité.", "fr", voices, "detect-fr")
    result = run(simulate_file(engines, knowledge, vb_config, fr, lang=None))
    assert result.lang == "fr" and "identité" in result.transcript
