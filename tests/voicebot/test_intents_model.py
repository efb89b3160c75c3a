"""The learned intent model next to the rules (voicebot/intent_model.py) and how classify
combines them: the model is heard only where the rules fell back to a default, it never
ends or hands over a call the rules read clearly, and it generalises to a development set
it was not trained on (the measurement of tests/voicebot/fit_intent_model.py, re-run)."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np
import pytest

from tests.voicebot.fit_intent_model import (
    SETS,
    Shape,
    accuracy,
    available,
    load,
    score,
    table,
    train,
)
from voicebot.frames import Lang
from voicebot.intent_model import SHIPPED_MODEL, IntentModel, IntentModelError, shipped_model
from voicebot.intents import (
    MODEL_SURE_TO_LEAVE,
    Intent,
    IntentContext,
    classify,
    rules,
    second_opinion,
    words,
)

INTENTS = ("question", "person", "repeat", "yes", "no", "goodbye", "language", "empty")
DEV2 = "dev2"
DEV3 = "dev3"
DEV4 = "dev4"
DEV5 = "dev5"
DEV6 = "dev6"
DEV7 = "dev7"
DEV8 = "dev8"
DEV9 = "dev9"
DEV10 = "dev10"
DEV11 = "dev11"
DEV12 = "dev12"
DEV13 = "dev13"
DEV14 = "dev14"
DEV15 = "dev15"


def _sure_of(label: str) -> IntentModel:
    """A real model, with weights that say ``label`` whatever the sentence."""
    bias = np.full(len(INTENTS), -20.0, dtype=np.float32)
    bias[INTENTS.index(label)] = 20.0
    weights = np.zeros((1 << 10, len(INTENTS)), dtype=np.float32)
    return IntentModel(INTENTS, weights, bias, (2, 5), True, "test")


def test_the_shipped_model_loads_once_is_small_and_knows_every_intent() -> None:
    assert SHIPPED_MODEL.stat().st_size < 1_000_000
    model = shipped_model()
    assert model is shipped_model()
    assert sorted(model.labels) == sorted(INTENTS)
    assert model.weights.shape == (model.dim, len(INTENTS))
    # trained on every development set, the last ones included
    assert all(name in model.note for name in ("dev2", "dev3", "dev4", "dev5", "dev6"))


def test_a_broken_model_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "model.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(IntentModelError):
        IntentModel.load(bad)


def test_a_saved_model_reads_back_the_same(tmp_path: Path) -> None:
    model = _sure_of("yes")
    model.save(tmp_path / "m.npz")
    again = IntentModel.load(tmp_path / "m.npz")
    assert again.labels == model.labels and again.chars == model.chars
    tokens = words("euh ouais", "fr")
    assert again.predict(tokens, "fr", "after_answer")[0] == "yes"


@pytest.mark.parametrize(
    ("text", "lang", "context", "ruled"),
    [
        ("oui", "fr", "after_confirm", "yes"),
        ("non merci", "fr", "after_answer", "no"),
        ("vous pouvez répéter", "fr", "after_answer", "repeat"),
        ("English please", "fr", "greeting", "language"),
        ("c'est bon", "fr", "after_offer", "no"),
    ],
)
def test_a_model_sure_of_a_goodbye_never_ends_a_call_the_rules_read_clearly(
    text: str, lang: Lang, context: IntentContext, ruled: Intent
) -> None:
    assert rules(text, lang, context) == (ruled, False)  # a clear decision, not a default
    assert classify(text, lang, context) == ruled


@pytest.mark.parametrize(
    ("text", "lang", "context", "label"),
    [
        # a topic before a farewell: the dialog answers, then ends the call
        ("cantine merci au revoir", "fr", "after_answer", "goodbye"),
        ("pool hours thanks bye", "en", "after_answer", "goodbye"),
        # a follow-up led by a conjunction is a topic too
        ("et pour le marché, merci, au revoir", "fr", "after_answer", "goodbye"),
        ("and on sundays? thanks, bye", "en", "after_answer", "goodbye"),
        # a person word the rules read as a mention
        ("un agent m'a donné une amende", "fr", "greeting", "person"),
        ("je voudrais un agent recenseur", "fr", "greeting", "person"),
        # talking about something, not to someone (the model trained on many "parler à
        # …" requests read this one as a person at p 0.83, left out of training)
        ("je voudrais parler de mon dossier", "fr", "greeting", "person"),
        ("I'd like to talk about my bin", "en", "greeting", "person"),
        # an answer before a topic
        ("non le lien", "fr", "after_answer", "no"),
        # words said are never nothing said
        ("bonjour piscine", "fr", "greeting", "empty"),
    ],
)
def test_what_the_rules_read_on_purpose_stays_a_question_whatever_the_model(
    text: str, lang: Lang, context: IntentContext, label: str
) -> None:
    # a default of the rules (a word they do not know), where the model is asked
    assert rules(text, lang, context) == ("question", True)
    tokens = words(text, lang)
    assert second_opinion("question", tokens, lang, context, _sure_of(label)) == "question"


def test_a_sure_model_fills_in_where_the_rules_know_no_word() -> None:
    tokens = words("zorglub", "fr")
    assert rules("zorglub", "fr", "after_answer") == ("question", True)
    assert second_opinion("question", tokens, "fr", "after_answer", _sure_of("no")) == "no"


@pytest.mark.parametrize("name", [n for n in SETS if n in available()])
def test_the_model_ends_or_hands_over_only_where_the_rules_fell_back_and_it_is_sure(
    name: str,
) -> None:
    model = shipped_model()
    for row in load(name):
        text: str = row["text"]
        lang: Lang = row["lang"]
        context: IntentContext = row["context"]
        intent, fell_back = rules(text, lang, context)
        got = classify(text, lang, context)
        if got != intent:
            assert fell_back, row
        if got in ("goodbye", "person") and got != intent:
            label, p = model.predict(words(text, lang), lang, context)
            assert (label, p >= MODEL_SURE_TO_LEAVE) == (got, True), row


# the later development sets: (accuracy floor, most missed goodbye/person), as measured
# with the shipped model (trained on them too)
LATER_SETS = {
    # intents_dev2, written blind to the classifier: rules 83.8 % before it was used,
    # 92.1 % once the rules' lexicons took its general words; 95.2 % with the model
    # trained on it too; 98.3 % with the rules' second round (issue 11); 98.8 % after the
    # seventh, the model surer before it ends a call (MODEL_SURE_TO_LEAVE 0.9)
    DEV2: (0.98, 4),
    # intents_dev3 (longer, messier turns), written blind: 90.7 % before it was used
    # (rules 84.5 %, 9 missed goodbyes, 13 missed person requests); 96.8 % with a model
    # trained without it after the rules' second round; 97.3 % with the model trained
    # on it too
    # (98.5 %, 6 missed after the eighth round)
    DEV3: (0.98, 6),
    # intents_dev4 (goodbyes and person requests in words no earlier set used; regional
    # and familiar), written blind: 70.3 % before it was used (rules 59.5 %, 43 missed
    # goodbyes, 31 missed person requests, 4 false hand-overs from the rules); 89.5 %
    # after the rules' third round with the model not trained on it, 0 false; 91.7 %
    # with the model trained on it too
    # (0.91 and 21 missed with the model trained on eleven sets, dev7 among them)
    # (91.8 % and 23 missed after the seventh round, the model surer before it ends a call)
    # (92.0 % and 24 missed after the eighth round: one goodbye read as nothing said)
    DEV4: (0.92, 24),
    # intents_dev5 (thanks, farewells, yes and no in the callers' other languages, asides
    # and recogniser inventions, languages the bot does not speak), written blind: 59.5 %
    # before it was used (rules 47.5 %, 7 of 80 goodbyes, 2 false hand-overs); 86.8 %
    # after the rules' fourth round with the model not trained on it, 0 false; 87.5 % with
    # the model trained on it too (the model is heard only where the rules fall back);
    # 88.2 % after the fifth round, 89.2 % after the seventh
    # (91.0 % after the eighth, 90.8 % with the model trained on fifteen sets)
    DEV5: (0.90, 26),
    # intents_dev6 (person requests by job title, service, extension or description; asides
    # and background speech; leaving without a farewell), written blind: 55.5 % before it
    # was used (rules 49.0 %, 4 of 60 goodbyes, 1 of 60 asides, 49 of 100 person requests,
    # 0 false); 64.2 % after the rules' fifth round with the model not trained on it, 0
    # false; 68.8 % with the model trained on it too. Its plans without a farewell ("OK,
    # I'll pop in on Monday") stay a no (the dialog asks once more): earlier sets label them so.
    # After the seventh round, an acknowledgement and a plan after an answer ("OK, I'll pop in
    # on Monday") are a goodbye; a refusal and a plan after an offer stay a no: 73.8 %;
    # 81.0 % after the eighth (asides read by "tu", given names and broadcasts); 80.8 % with
    # the model trained on fifteen sets, 80.5 % on sixteen
    DEV6: (0.80, 48),
    # intents_dev7 (asides and background: voice assistants, children, shops, radio,
    # voicemail; leaving without a farewell; callbacks and waiting for a person), written
    # blind: 50.8 % before it was used (rules alone 44.5 %, 0 of 90 asides, 11 of 70
    # goodbyes, 5 false hand-overs); 65.0 % after the rules' sixth round with the model not
    # trained on it, 0 false; 68.0 % with the model trained on it too; 70.5 % after the
    # seventh round, 77.5 % after the eighth, 76.8 % with the model trained on fifteen sets
    DEV7: (0.76, 38),
    # intents_dev8 (offers accepted or declined with their terms or a reason; acknowledgement
    # and a plan after an answer; person requests by roundabout ways; loudspeakers and
    # relatives in the background), written blind: 46.8 % before it was used (rules alone
    # 35.8 %, 2 false hand-overs); 81.8 % after the rules' seventh round with the model not
    # trained on it, 0 false; 82.5 % with the model retrained on all twelve sets and surer
    # before it ends or hands over a call (0.9)
    # (91.2 %, 14 missed after the eighth; 90.8 % with the model trained on fifteen sets)
    DEV8: (0.90, 14),
    # intents_dev9 (hard negatives: words of a hand-over or a goodbye in lines that are
    # neither), written blind: 89.2 % before it was used, with 2 false goodbyes and 5 false
    # hand-overs; 93.3 % after, none (rules alone 91.2 %); 93.8 % after the eighth round
    DEV9: (0.93, 0),
    # intents_dev10 (leaving without a farewell word; asides and broadcasts in every
    # context; a person asked for by title, desk, pronoun or impatience), written blind:
    # 49.8 % before it was used (rules alone 48.2 %, 16 of 110 asides, 27 of 90 goodbyes,
    # 1 false goodbye; one label changed by the lead to agree with earlier sets, see its
    # .md); 80.5 % after the rules' eighth round with the model not trained on it, 0 false;
    # 83.5 % with the model retrained on fourteen sets (rules alone 77.8 %); 83.2 % with it
    # trained on fifteen, 83.0 % on sixteen
    DEV10: (0.83, 18),
    # intents_dev11 (hard negatives for the eighth round: "tu" and first names said to the
    # bot, having to go or relief followed by a question, titles and "please" in questions),
    # written blind: 95.3 % with the classifier before the eighth round (1 false goodbye, 4
    # false hand-overs), 93.0 % with the eighth round (6 false goodbyes, 4 false hand-overs);
    # 97.0 % after rules for its forms, none; 97.7 % with the model trained on it too (rules
    # alone 92.0 %)
    DEV11: (0.97, 0),
    # intents_dev12 (no, repeat and language in everyday forms, asides after an answer, an
    # offer or a confirmation, and their hard negatives), written blind: 72.0 % before it was
    # used (8 of 60 asides, 50 of 70 no's, 48 of 70 repeats, 1 false hand-over); 93.5 %
    # after the rules' ninth round with the model not trained on it, 0 false (rules alone
    # 79.0 %); 94.0 % with the model retrained on sixteen sets
    DEV12: (0.93, 0),
    # intents_dev13 (hard negatives for the ninth round: relatives, radios, councils, pumps
    # in questions; "again", "cut off", "didn't come through" of the caller's own matter;
    # "rien", "c'est à peu près tout" in questions; languages asked about), written blind:
    # 96.3 % with the ninth round as first committed (1 false goodbye, "yeah that's about
    # it" confirming a topic, and 1 false hand-over, "if I miss the collection" read as a
    # title; that one was there before the round); 98.7 % after, none. A rules-only set:
    # the model is not trained on it (``RULES_ONLY``)
    DEV13: (0.98, 0),
    # intents_dev14 (goodbyes and person requests of varied callers: regional and foreign
    # Frenches and Englishes, formal leave, blessings, relay services for deaf callers,
    # stammers), written blind: 59.4 % before it was used (36 of 120 goodbyes, 64 of 110
    # person requests, 3 false hand-overs); 88.1 % after the rules' tenth round (rules alone
    # 86.4 %), none. A rules-only set (``RULES_ONLY``)
    # (88.3 % after the hard negatives of intents_dev15)
    DEV14: (0.88, 33),
    # intents_dev15 (hard negatives for the tenth round: blessings and leave-taking words
    # before a question, "connect", "hand over", "en rapport avec" of cables, keys and
    # carers, officials named in questions, a relay reporting questions), written blind:
    # 90.8 % before the tenth round (1 false hand-over), 92.7 % with it as first committed
    # (2 false goodbyes, 2 false hand-overs), 96.5 % after, none (rules alone 94.6 %).
    # A rules-only set
    DEV15: (0.96, 0),
}


@pytest.mark.parametrize("name", [n for n in LATER_SETS if n in available()])
def test_the_combination_on_the_later_development_sets(name: str) -> None:
    rows = load(name)
    decided = [classify(r["text"], r["lang"], r["context"]) for r in rows]
    got = score(rows, decided)
    floor, most_missed = LATER_SETS[name]
    assert not got.false, table(rows, decided)
    assert got.share >= floor, table(rows, decided)
    assert got.missed <= most_missed, table(rows, decided)


@pytest.mark.parametrize(
    ("held", "floor"),
    [(DEV2, 0.96), (DEV3, 0.96), (DEV4, 0.86), (DEV5, 0.80), (DEV6, 0.69)],
)
def test_left_out_of_training_the_model_alone_still_reads_most_of_a_set(
    held: str, floor: float
) -> None:
    """Five folds of the leave-one-set-out measurement: trained on every development set
    but the one held, the model alone reads dev2 at 97.4 %, dev3 at 97.8 %, dev4 at 91.0 %,
    dev5 at 81.3 % and dev6 at 69.8 %. Its false goodbyes and hand-overs all come at
    p < 0.8: the model is never sure enough to end or hand over a call wrongly on its own
    (``MODEL_SURE_TO_LEAVE``), and the rules' guards in ``second_opinion`` come on top."""
    names = [n for n in available() if n != held]
    model = train([r for n in names for r in load(n)], Shape())
    share, _ = accuracy(model, load(held))
    assert share >= floor
    sure_and_wrong = []
    for row in load(held):
        label, p = model.predict(words(row["text"], row["lang"]), row["lang"], row["context"])
        if label in ("goodbye", "person") and label != row["intent"] and p >= MODEL_SURE_TO_LEAVE:
            sure_and_wrong.append((row["text"], label, round(p, 2)))
    assert not sure_and_wrong


def test_classify_stays_fast() -> None:
    rows = load(DEV2)
    classify("warm up", "en", "greeting")
    spent = []
    for row in rows:
        start = time.perf_counter()
        classify(row["text"], row["lang"], row["context"])
        spent.append(time.perf_counter() - start)
    assert statistics.median(spent) < 0.002
