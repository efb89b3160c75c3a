"""The caller's language (issue 11 §1): short words never decide, enough speech with a
clear margin does, both ways; a choice by key or word switches at once.

The judge alone (table-driven), the dialog that follows it, the pipeline with fake
engines, then real Whisper on telephone-band audio spoken by the test callers' voices
(MBROLA fr4 / us1, never the bot's)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from guichet.errors import ConfigError
from guichet.settings import load_settings
from voicebot import VoicebotConfig, VoicebotPipeline
from voicebot.audio import Float32Array, iter_frames, read_wav
from voicebot.dialog import (
    Dialog,
    DialogConfig,
    KnowledgeResult,
    Lookup,
    Say,
    Start,
    SwitchLanguage,
    Utterance,
)
from voicebot.engines.asr import AsrCapabilities, AsrEngine, AsrResult
from voicebot.engines.tts import TtsEngine
from voicebot.engines.vad import VadEngine
from voicebot.frames import (
    AnswerFrame,
    Frame,
    Lang,
    LanguageFrame,
    SpeakFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicebot.knowledge_port import Knowledge, SimpleAnswer
from voicebot.language import (
    HeardTurn,
    LanguageJudge,
    LanguageRules,
    LanguageScores,
    counted_words,
)
from voicebot.runtime import Engines
from voicebot.stages.dialog_stage import DialogStage

from .fakes import FakeAsr, FakeEngines, fake_knowledge
from .speech import say
from .test_pipeline import RATE, feed, silence, speech

FR = LanguageScores(fr=0.95, en=0.05)
EN = LanguageScores(fr=0.05, en=0.95)
UNCLEAR = LanguageScores(fr=0.35, en=0.65)  # leans English, without the margin

# --- the judge alone ---

Turn = tuple[str, float, LanguageScores]  # text, seconds of speech, scores

JUDGE_CASES: list[tuple[str, tuple[Lang, bool], list[Turn], tuple[Lang, bool]]] = [
    ("an English-sounding short word", ("fr", False), [("We.", 0.4, EN)], ("fr", False)),
    ("openers only", ("fr", False), [("Hello, yes, okay.", 1.6, EN)], ("fr", False)),
    ("openers, turn after turn", ("fr", False), [("Hello?", 0.5, EN)] * 4, ("fr", False)),
    (
        "a full English sentence",
        ("fr", False),
        [("Hello, I'd like to know when the town hall opens", 2.6, EN)],
        ("en", True),
    ),
    ("words, too little speech", ("fr", False), [("Need birth papers", 0.6, EN)], ("fr", False)),
    ("speech, too few words", ("fr", False), [("Town hall", 1.4, EN)], ("fr", False)),
    (
        "no clear margin",
        ("fr", False),
        [("Hello, I would like to know the opening hours", 2.5, UNCLEAR)],
        ("fr", False),
    ),
    (
        "short turns in a row do not add up",
        ("fr", False),
        [("Anne-le-le.", 0.4, EN), ("Oui, a-yous.", 0.7, EN)],  # "Allô oui ?", "Oui, allô ?"
        ("fr", False),
    ),
    (
        "a sentence after short turns",
        ("fr", False),
        [("Town hall", 0.7, EN), ("Okay.", 0.4, FR), ("I need the opening hours", 1.2, EN)],
        ("en", True),
    ),
    (
        "a clear French sentence makes French known",
        ("fr", False),
        [("Je voudrais les horaires", 1.3, FR)],
        ("fr", True),
    ),
    (
        "back to French after a wrong switch",
        ("en", True),
        [("Je voudrais savoir les horaires de la mairie", 2.0, FR)],
        ("fr", True),
    ),
    (
        "a known language holds against short words",
        ("en", True),
        [("Oui.", 0.3, FR), ("Merci", 0.4, FR), ("Bonjour madame", 0.8, FR)],
        ("en", True),
    ),
    (
        "the other language's default holds too",
        ("en", False),
        [("Oui, allô ?", 0.8, FR)],
        ("en", False),
    ),
]


@pytest.mark.parametrize(
    ("start", "turns", "expected"),
    [case[1:] for case in JUDGE_CASES],
    ids=[case[0] for case in JUDGE_CASES],
)
def test_the_judge(
    start: tuple[Lang, bool], turns: list[Turn], expected: tuple[Lang, bool]
) -> None:
    judge = LanguageJudge(*start)
    for text, speech_s, scores in turns:
        judge = judge.hear(HeardTurn(text, speech_s, scores))
    assert (judge.lang, judge.known) == expected


def test_a_choice_decides_at_once() -> None:
    judge = LanguageJudge("fr").chosen("en")
    assert (judge.lang, judge.known) == ("en", True)
    # and the caller's speech can still bring the call back
    back = judge.hear(HeardTurn("Je voudrais les horaires de la mairie", 1.8, FR))
    assert (back.lang, back.known) == ("fr", True)


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("Allô, oui, bonjour madame !", 0),
        ("Euh… OK, merci.", 0),
        ("Hello, yes, good morning.", 0),
        ("Oui bonjour, c'est pour un passeport", 4),
        ("Hello, I'd like to know when the town hall opens", 9),
        ("D’accord", 0),
    ],
)
def test_openers_and_fillers_are_not_counted(text: str, count: int) -> None:
    assert counted_words(text) == count


def test_scores_are_renormalised_over_french_and_english() -> None:
    scores = LanguageScores(fr=0.1, en=0.3)  # the rest went to other languages
    assert scores.likely == "en" and scores.p("en") == pytest.approx(0.75)
    assert LanguageScores(0.0, 0.0).p("fr") == 0.5


def test_the_rules_are_settings_and_are_validated(tmp_path: Path) -> None:
    settings = load_settings(
        {"GUICHET_HOME": str(tmp_path), "GUICHET_LANGUAGE_MIN_WORDS": "4"},
        {"language_min_prob": 0.9},
    )
    rules = VoicebotConfig.from_settings(settings).language
    assert rules == LanguageRules(min_words=4, min_speech_s=1.0, min_prob=0.9)
    for name, bad in (("language_min_prob", 0.5), ("language_min_words", 0)):
        with pytest.raises(ConfigError, match=name):
            load_settings({"GUICHET_HOME": str(tmp_path)}, {name: bad})
    with pytest.raises(ValueError, match="language rules"):
        LanguageRules(min_prob=1.5)


# --- the dialog follows ---

HOURS_EN = SimpleAnswer(
    False, "town-hall-opening-hours", 0.9, "Open Monday to Friday.", "hours", "accueil", "en"
)
HOURS_FR = SimpleAnswer(
    False, "horaires-mairie", 0.9, "Ouvert du lundi au vendredi.", "horaires", "accueil", "fr"
)


def spoken(actions: Sequence[object]) -> list[tuple[str, Lang]]:
    return [(a.text, a.lang) for a in actions if isinstance(a, Say)]


def language_of(dialog: Dialog) -> Lang:
    return dialog.state.lang


def test_the_dialog_follows_the_callers_speech_both_ways_and_says_so_once() -> None:
    dialog = Dialog(DialogConfig())
    dialog.handle(Start())
    question = "Hello, I'd like to know when the town hall opens on Saturday"
    actions = dialog.handle(Utterance(question, "en", switch=True))
    assert spoken(actions) == [("I'll continue in English.", "en")]
    assert actions[-1] == Lookup(question, "en") and dialog.state.lang == "en"
    answered = dialog.handle(KnowledgeResult(question, HOURS_EN, "en"))
    assert spoken(answered) == [
        ("Open Monday to Friday.", "en"),
        ("Do you have another question?", "en"),
    ]
    # the caller goes on in English: nothing more is said about the language
    assert dialog.handle(Utterance("And on Sunday?", "en")) == [Lookup("And on Sunday?", "en")]
    dialog.handle(KnowledgeResult("And on Sunday?", HOURS_EN, "en"))
    # a French sentence: back to French, said once, in French
    back = "Je voudrais savoir les horaires de la mairie"
    actions = dialog.handle(Utterance(back, "fr", switch=True))
    assert spoken(actions) == [("Je continue en français.", "fr")]
    assert actions[-1] == Lookup(back, "fr") and language_of(dialog) == "fr"
    answered = dialog.handle(KnowledgeResult(back, HOURS_FR, "fr"))
    assert [lang for _, lang in spoken(answered)] == ["fr", "fr"]


def test_a_turn_heard_in_another_language_without_evidence_does_not_switch() -> None:
    """A turn heard before the caller's choice reached the recogniser (or typed in the
    chat) is answered, but the call keeps the language the caller chose."""
    dialog = Dialog(DialogConfig())
    dialog.handle(Start())
    assert dialog.handle(Utterance("English please", "fr"))[0] == SwitchLanguage("en")
    assert dialog.handle(Utterance("les horaires", "fr")) == [Lookup("les horaires", "fr")]
    assert dialog.state.lang == "en"


@pytest.mark.parametrize(
    ("first", "text", "lang"),
    [
        ("fr", "English please", "en"),
        ("fr", "anglais", "en"),
        ("fr", "In English.", "en"),
        ("en", "en français s'il vous plaît", "fr"),
        ("en", "French please", "fr"),
        ("en", "Français.", "fr"),
    ],
)
def test_a_choice_by_words_switches_at_once_both_ways(first: Lang, text: str, lang: Lang) -> None:
    dialog = Dialog(DialogConfig(), lang=first)
    dialog.handle(Start())
    actions = dialog.handle(Utterance(text, first))
    assert actions[0] == SwitchLanguage(lang)
    assert {said_lang for _, said_lang in spoken(actions)} == {lang}  # greeted in it
    assert dialog.state.lang == lang


def test_choosing_the_language_already_spoken_makes_it_known() -> None:
    dialog = Dialog(DialogConfig())
    dialog.handle(Start())
    actions = dialog.handle(Utterance("Oui, en français", "fr"))
    assert actions[0] == SwitchLanguage("fr")  # the ASR and the case learn it is known
    assert spoken(actions) == [("Je vous écoute.", "fr")]


# --- the pipeline, fake engines ---


def quiet_bot(engines: FakeEngines) -> VoicebotPipeline:
    return VoicebotPipeline.voicebot(
        engines,
        fake_knowledge(),
        VoicebotConfig(),
        sample_rate=RATE,
        greet=False,
        paced=False,
        silence_timeout_s=0,
    )


def transcripts(events: Sequence[Frame]) -> list[TranscriptionFrame]:
    return [f for f in events if isinstance(f, TranscriptionFrame)]


def heard_turns(n: int) -> Callable[[Sequence[Frame]], bool]:
    return lambda events: len(transcripts(events)) >= n


def said_once(text: str) -> Callable[[Sequence[Frame]], bool]:
    return lambda events: any(isinstance(f, SpeakFrame) and f.text == text for f in events)


async def say_turn(pipe: VoicebotPipeline, seconds: float, turns: int) -> None:
    """The caller speaks for ``seconds``, then the line goes quiet until it is heard."""
    await feed(pipe, speech(seconds) + silence(1.0))
    assert await pipe.wait_for(lambda ev: len(transcripts(ev)) >= turns, 5)


async def test_openers_keep_french_an_english_sentence_switches_and_french_comes_back() -> None:
    asr = FakeAsr(
        [
            ("Allô ?", EN),  # Whisper's scores on short French words can lean English
            ("Oui.", EN),
            # English heard in French, then heard again in English once the judge switched
            ("Allo, je voudrais connaître les heures d'ouverture", EN),
            ("Hello, I'd like to know the opening hours", EN),
            ("Je voudrais savoir les horaires d'ouverture", FR),  # heard in English first
            ("Je voudrais savoir les horaires d'ouverture", FR),
        ]
    )
    engines = FakeEngines(asr)
    try:
        async with quiet_bot(engines) as pipe:
            await say_turn(pipe, 0.5, 1)
            await say_turn(pipe, 0.3, 2)
            assert not pipe.of_type(LanguageFrame)
            assert (pipe.lang, pipe.lang_known) == ("fr", False)
            await say_turn(pipe, 1.6, 3)
            assert await pipe.wait_for(said_once("Do you have another question?"), 5)
            assert pipe.of_type(LanguageFrame) == [LanguageFrame("en", "detected")]
            english = transcripts(pipe.events)[-1]
            assert (english.text, english.lang, english.switch) == (
                "Hello, I'd like to know the opening hours",
                "en",
                True,
            )
            await say_turn(pipe, 1.6, 4)
            assert await pipe.wait_for(said_once("Avez-vous une autre question ?"), 5)
        assert [lang for _, lang in asr.calls] == ["fr", "fr", "fr", "en", "en", "fr"]
        assert pipe.of_type(LanguageFrame) == [
            LanguageFrame("en", "detected"),
            LanguageFrame("fr", "detected"),
        ]
        assert (pipe.lang, pipe.lang_known) == ("fr", True)
        said = [(f.text, f.lang) for f in pipe.of_type(SpeakFrame)]
        assert said.count(("I'll continue in English.", "en")) == 1
        assert said.count(("Je continue en français.", "fr")) == 1
        # what the caller heard after each switch is in the new language
        after_en = said[said.index(("I'll continue in English.", "en")) :]
        assert ("Do you have another question?", "en") in after_en
        assert said[-1] == ("Avez-vous une autre question ?", "fr")
    finally:
        engines.close()


async def test_a_turn_resumed_after_a_switch_still_switches_the_dialog() -> None:
    """The caller pauses mid-sentence after the words that made the call switch: the
    resumed turn replaces the first (the dialog replays it) and keeps the switch."""
    asr = FakeAsr(
        [
            ("Allo, je voudrais connaître", EN),
            ("Hello, I'd like to know", EN),
            ("Hello, I'd like to know the opening hours", EN),
        ]
    )
    engines = FakeEngines(asr)
    try:
        async with quiet_bot(engines) as pipe:
            await feed(pipe, speech(1.6) + silence(0.4))  # a pause, shorter than 0.7 s
            assert await pipe.wait_for(heard_turns(1), 5)
            assert transcripts(pipe.events)[0].switch
            await feed(pipe, speech(0.6) + silence(1.0))  # the caller goes on
            assert await pipe.wait_for(said_once("Do you have another question?"), 5)
            answers = pipe.of_type(AnswerFrame)
            assert answers[-1].card_id == "horaires-mairie"  # the whole question, answered
        final = transcripts(pipe.events)[-1]
        assert (final.revision, final.lang, final.switch) == (1, "en", True)
        assert pipe.stage(DialogStage).dialog.state.lang == "en"
        said = [(f.text, f.lang) for f in pipe.of_type(SpeakFrame)]
        assert {lang for _, lang in said} == {"en"}
    finally:
        engines.close()


# --- real Whisper, telephone band, the test callers' voices ---

# What French callers say first (at least 10, issue 11 §1), and a few that say more.
FRENCH_OPENERS = [
    "Oui ?",
    "Allô ?",
    "Allô oui ?",
    "Bonjour.",
    "OK.",
    "Non.",
    "Bonjour madame.",
    "Oui bonjour.",
    "Euh, bonjour.",
    "Allô, bonjour.",
    "Merci.",
    "Oui, allô ?",
    "Bonsoir.",
    "Oui bonjour, c'est pour un renseignement.",
    "Allô, je vous appelle pour ma carte grise.",
]


@dataclass(frozen=True)
class Heard:
    lang: Lang | None  # what it was asked to decode in
    result: AsrResult


@dataclass
class RecordingAsr:
    """The real engine, remembering what it heard (for the figures in the report)."""

    inner: AsrEngine
    heard: list[Heard] = field(default_factory=list)
    capabilities: AsrCapabilities = field(init=False)

    def __post_init__(self) -> None:
        self.capabilities = self.inner.capabilities

    def transcribe(self, audio16k: Float32Array, lang: Lang | None) -> AsrResult:
        result = self.inner.transcribe(audio16k, lang)
        self.heard.append(Heard(lang, result))
        return result


@dataclass
class Recorded:
    """The real engines (loaded once per session), the ASR recorded."""

    engines: Engines
    asr: RecordingAsr = field(init=False)

    def __post_init__(self) -> None:
        self.asr = RecordingAsr(self.engines.asr)

    def vad_factory(self) -> VadEngine:
        return self.engines.vad_factory()

    @property
    def asr_pool(self) -> Executor:
        return self.engines.asr_pool

    @property
    def tts(self) -> dict[Lang, TtsEngine]:
        return self.engines.tts

    @property
    def tts_pool(self) -> Executor:
        return self.engines.tts_pool

    @property
    def kb_pool(self) -> Executor:
        return self.engines.kb_pool


async def feed_wav(pipe: VoicebotPipeline, wav: Path, tail_s: float = 1.0) -> None:
    samples, rate = read_wav(wav)
    assert rate == pipe.sample_rate
    tail = np.zeros(int(tail_s * rate), dtype=np.float32)  # the line goes quiet
    for pcm in iter_frames(np.concatenate([samples, tail]), rate):
        pipe.push_audio(pcm)
        await asyncio.sleep(0)


def words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def report(heard: Heard, judge: str) -> str:
    scores = heard.result.scores
    p_en = f"{scores.p('en'):.2f}" if scores else "-"
    text = heard.result.text or f"({heard.result.rejected})"
    return f"{text!r:50} p(en)={p_en} counted={counted_words(heard.result.text)} -> {judge}"


def speech_spans(events: Sequence[Frame]) -> list[float]:
    """Seconds of speech per turn, as the VAD cut them (what the judge weighs)."""
    starts = [f.t for f in events if isinstance(f, UserStartedSpeakingFrame)]
    ends = [f.t for f in events if isinstance(f, UserStoppedSpeakingFrame)]
    return [round(end - start, 2) for start, end in zip(starts, ends, strict=False)]


@pytest.mark.parametrize("opener", FRENCH_OPENERS)
async def test_a_french_opener_never_makes_the_call_english(
    engines: Engines, vb_config: VoicebotConfig, voices: Path, opener: str
) -> None:
    name = "opener-" + "-".join(sorted(words(opener)))
    wav = say(opener, "fr", voices, name)
    ears = Recorded(engines)
    async with VoicebotPipeline.transcribe(ears, vb_config, sample_rate=8000) as pipe:
        await feed_wav(pipe, wav)
        assert await pipe.wait_for(lambda ev: bool(transcripts(ev)), 60)
    heard = transcripts(pipe.events)
    assert ears.asr.heard and all(h.lang == "fr" for h in ears.asr.heard)
    spans = speech_spans(pipe.events)
    print(f"\n{opener!r:45} {report(ears.asr.heard[0], pipe.lang)} speech={spans} s")
    assert [f.lang for f in heard] == ["fr"] * len(heard)
    assert LanguageFrame("en", "detected") not in pipe.events
    assert pipe.lang == "fr"


async def test_french_openers_one_after_the_other_keep_the_call_french(
    engines: Engines, vb_config: VoicebotConfig, voices: Path
) -> None:
    """The short turns of a hesitant caller do not add up to English."""
    parts = [say(o, "fr", voices, f"seq-{i}") for i, o in enumerate(FRENCH_OPENERS)]
    ears = Recorded(engines)
    async with VoicebotPipeline.transcribe(ears, vb_config, sample_rate=8000) as pipe:
        for index, wav in enumerate(parts):
            await feed_wav(pipe, wav, tail_s=1.2)  # past the resume window: a new turn
            assert await pipe.wait_for(heard_turns(index + 1), 60)
    assert LanguageFrame("en", "detected") not in pipe.events
    assert {f.lang for f in transcripts(pipe.events)} == {"fr"}
    assert pipe.lang == "fr"


async def test_an_english_caller_is_answered_in_english_and_a_french_one_after_in_french(
    engines: Engines, vb_config: VoicebotConfig, knowledge: Knowledge, voices: Path
) -> None:
    """Real Whisper and the demo knowledge base: after a French opener, a full English
    sentence switches the call to English (the question is re-heard in English and
    answered in English); a French sentence then brings it back, said once."""
    allo = say("Allô ?", "fr", voices, "conv-allo")
    english = say(
        "Hello, I'd like to know when the town hall opens on Saturday.", "en", voices, "conv-en"
    )
    french = say("Je voudrais savoir comment refaire ma carte d'identité.", "fr", voices, "conv-fr")
    recorded = Recorded(engines)
    pipe = VoicebotPipeline.voicebot(
        recorded, knowledge, vb_config, sample_rate=8000, greet=False, paced=False,
        silence_timeout_s=0,
    )  # fmt: skip
    async with pipe:
        await feed_wav(pipe, allo, tail_s=1.2)
        assert await pipe.wait_for(lambda ev: len(transcripts(ev)) >= 1, 60)
        await feed_wav(pipe, english, tail_s=1.2)
        assert await pipe.wait_for(said_once("Do you have another question?"), 60)
        switched_to_en = transcripts(pipe.events)[-1]
        await feed_wav(pipe, french, tail_s=1.2)
        assert await pipe.wait_for(said_once("Avez-vous une autre question ?"), 60)
    for heard in recorded.asr.heard:
        print(f"\nheard in {heard.lang}: {report(heard, '')}")
    print(f"switching turn transcribed twice: {switched_to_en.asr_ms:.0f} ms")
    assert pipe.of_type(LanguageFrame) == [
        LanguageFrame("en", "detected"),
        LanguageFrame("fr", "detected"),
    ]
    assert (switched_to_en.lang, switched_to_en.switch) == ("en", True)
    assert {"town", "hall", "saturday"} <= words(switched_to_en.text), switched_to_en.text
    said = [(f.text, f.lang) for f in pipe.of_type(SpeakFrame)]
    assert said.count(("I'll continue in English.", "en")) == 1
    assert said.count(("Je continue en français.", "fr")) == 1
    en_at = said.index(("I'll continue in English.", "en"))
    fr_at = said.index(("Je continue en français.", "fr"))
    assert en_at < fr_at
    assert {lang for _, lang in said[en_at:fr_at]} == {"en"}  # answered in English
    assert {lang for _, lang in said[fr_at:]} == {"fr"}
    # (the opener may have been looked up too, depending on the intents)
    first, second = pipe.of_type(AnswerFrame)[-2:]
    assert first.card_id == "town-hall-opening-hours", first
    assert not second.abstained and second.card_id is not None
    assert (pipe.lang, pipe.lang_known) == ("fr", True)
