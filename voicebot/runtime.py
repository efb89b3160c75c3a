"""Engines and executors, loaded once per process and shared by every call."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from guichet.settings import Settings
from knowledge import KnowledgeError, index_asr_hints
from voicebot.config import asr_model_dir
from voicebot.engines.asr import AsrEngine, WhisperAsr
from voicebot.engines.tts import CoquiTts, EspeakTts, PiperTts, TtsEngine
from voicebot.engines.vad import SileroVad, VadEngine, WebRtcVad
from voicebot.errors import EngineUnavailable
from voicebot.executors import PriorityPool
from voicebot.frames import Lang
from voicebot.models import ensure_whisper_base, installation_models_dir, joe_voice_path

log = logging.getLogger(__name__)

# A short domain prompt for Whisper: it makes "mairie", "état civil"… far likelier.
# Used only without an ingested KB; with one, the prompt is made of the cards' own
# words (knowledge.index_asr_hints), so another city's places and topics are heard.
ASR_HINTS: dict[str, str] = {
    "fr": "Bonjour, vous êtes à la mairie. Questions : état civil, carte d'identité, "
    "passeport, école, urbanisme.",
    "en": "Hello, this is the town hall. Questions: birth certificate, identity card, "
    "passport, school.",
}


def asr_hints(settings: Settings) -> dict[str, str]:
    """The ingested KB's words when there is an index, else the generic prompt."""
    try:
        return index_asr_hints(settings.kb_index_path)
    except KnowledgeError as exc:  # no index yet, or an unreadable one
        log.info("ASR prompt: generic (%s)", exc)
        return dict(ASR_HINTS)


@dataclass
class Engines:
    asr: AsrEngine
    tts: dict[Lang, TtsEngine]
    vad_factory: Callable[[], VadEngine]
    # the one ASR scheduler: voicebot turns (plain ``submit``) before live assist's
    # finals and interims (``voicebot.executors.AsrLane``)
    asr_pool: PriorityPool
    tts_pool: PriorityPool = field(default_factory=lambda: PriorityPool(2, "tts"))
    kb_pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(2, thread_name_prefix="kb")
    )

    def close(self) -> None:
        for pool in (self.asr_pool, self.tts_pool, self.kb_pool):
            pool.shutdown(wait=False, cancel_futures=True)


def _tts_engine(kind: str, lang: Lang, settings: Settings) -> TtsEngine:
    if kind == "espeak":
        voices = {"fr": settings.espeak_fr_voice, "en": "en-us"}
        return EspeakTts({lang: voices[lang]}, allow_degraded=settings.espeak_allow_degraded_voice)
    if kind == "piper":
        path = settings.piper_voice_path if lang == "fr" else settings.piper_en_voice_path
        if path is None and lang == "en":
            path = joe_voice_path()
        if path is None:
            raise EngineUnavailable("tts_fr_engine=piper needs piper_voice_path (a French voice)")
        return PiperTts(path, lang)
    return CoquiTts(settings.coqui_model, lang)


def load_tts(settings: Settings) -> dict[Lang, TtsEngine]:
    engines: dict[Lang, TtsEngine] = {}
    wanted: dict[Lang, str] = {"fr": settings.tts_fr_engine, "en": settings.tts_en_engine}
    for lang, kind in wanted.items():
        try:
            engines[lang] = _tts_engine(kind, lang, settings)
        except EngineUnavailable as exc:
            if kind == "espeak":
                raise
            log.warning("%s TTS %s unavailable (%s); using espeak-ng", lang, kind, exc)
            engines[lang] = _tts_engine("espeak", lang, settings)
    return engines


def vad_factory(settings: Settings) -> Callable[[], VadEngine]:
    if settings.vad_engine == "silero":
        SileroVad()  # fail now, not on the first call
        return SileroVad
    aggressiveness = settings.vad_aggressiveness
    return lambda: WebRtcVad(aggressiveness)


def whisper_model_dir(settings: Settings) -> Path:
    """Where the Whisper model is, assembled there first if need be (no network).

    Named in the settings (``asr_model_dir``, ``models_dir``): that place. Otherwise
    the installation's copy, shared by every data directory, so a fresh
    ``GUICHET_HOME`` starts with no extra step; else the data directory's own
    (``guichet voicebot models`` makes one there; and it is where the model goes when
    the installation is read-only to this user)."""
    if settings.asr_model_dir is not None or settings.models_dir is not None:
        return ensure_whisper_base([asr_model_dir(settings)])
    shared = installation_models_dir() / "whisper-base"
    return ensure_whisper_base([shared, asr_model_dir(settings)])


def load_engines(settings: Settings) -> Engines:
    model_dir = whisper_model_dir(settings)
    workers = max(1, settings.asr_workers)
    asr = WhisperAsr(
        model_dir,
        workers=workers,
        threads=max(1, settings.asr_threads),
        beam_size=max(1, settings.asr_beam_size),
        margin_frames=settings.asr_margin_frames,
        hints=asr_hints(settings),
    )
    return Engines(
        asr=asr,
        tts=load_tts(settings),
        vad_factory=vad_factory(settings),
        asr_pool=PriorityPool(workers, "asr"),
    )


_shared: dict[tuple[str, ...], Engines] = {}
_shared_lock = threading.Lock()


def shared_engines(settings: Settings) -> Engines:
    """One set of engines per process (per engine settings)."""
    key = tuple(
        str(getattr(settings, name))
        for name in (
            "asr_model_dir",
            "models_dir",
            "home",
            "asr_workers",
            "asr_threads",
            "asr_beam_size",
            "asr_margin_frames",
            "kb_index",
            "vad_engine",
            "tts_fr_engine",
            "tts_en_engine",
            "espeak_fr_voice",
            "espeak_allow_degraded_voice",
            "piper_voice_path",
            "piper_en_voice_path",
        )
    )
    with _shared_lock:
        engines = _shared.get(key)
        if engines is None:
            engines = _shared[key] = load_engines(settings)
        return engines
