"""The held-out intent sets (tests/heldout/intents*.jsonl), each written blind by an author
who saw neither the classifier nor the other sets, run through the classifier the calls use.

Each set was measured blind once, then used for development (tests/heldout/README.md has
the history): set 1 96.4 %, set 2 91.5 %, set 3 87.2 %, set 4 92.3 % at their blind
measurement. So these are regression floors now, not a blind figure; the next blind figure
needs a new set.

What must never happen, on any set: ending a call the caller did not end (a false
goodbye) or handing over a caller who did not ask for a person (a false hand-over). A
missed goodbye or person request is a lesser fault (the bot asks once more or looks the
sentence up, and offers a person when it has no answer); each set keeps a ceiling on them.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.voicebot.fit_intent_model import score
from voicebot.intents import classify

HELDOUT = Path(__file__).resolve().parents[1] / "heldout"
# set → (accuracy floor, most missed goodbye/person decisions), as last measured
SETS: dict[str, tuple[float, int]] = {
    "intents.jsonl": (0.99, 0),
    "intents2.jsonl": (0.99, 1),
    "intents3.jsonl": (0.99, 0),
    "intents4.jsonl": (0.99, 1),
}
INTENTS = {"question", "person", "repeat", "yes", "no", "goodbye", "language", "empty"}
Result = list[tuple[dict[str, Any], str]]


def rows(name: str) -> list[dict[str, Any]]:
    text = (HELDOUT / name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line]


@pytest.fixture(scope="module", params=sorted(SETS))
def measured(request: pytest.FixtureRequest) -> tuple[str, Result]:
    name: str = request.param
    return name, [(row, classify(row["text"], row["lang"], row["context"])) for row in rows(name)]


@pytest.mark.parametrize("name", sorted(SETS))
def test_the_set_is_large_enough_and_covers_every_intent(name: str) -> None:
    data = rows(name)
    assert len(data) >= 150
    assert {r["intent"] for r in data} >= INTENTS - {"empty"}
    assert {r["lang"] for r in data} == {"fr", "en"}


def test_accuracy_per_set(measured: tuple[str, Result]) -> None:
    name, results = measured
    per: dict[str, Counter[str]] = {}
    for row, got in results:
        per.setdefault(row["intent"], Counter())["n"] += 1
        per[row["intent"]]["right"] += got == row["intent"]
    right = sum(c["right"] for c in per.values())
    report = {k: f"{c['right']}/{c['n']}" for k, c in sorted(per.items())}
    assert right / len(results) >= SETS[name][0], report


@pytest.mark.parametrize("decision", ["goodbye", "person"])
def test_no_call_is_ended_or_handed_over_unasked(
    measured: tuple[str, Result], decision: str
) -> None:
    _, results = measured
    false = [(row["text"], row["context"], row["intent"]) for row, got in results
             if got == decision and row["intent"] != decision]  # fmt: skip
    assert not false


def test_missed_goodbyes_and_person_requests_stay_few(measured: tuple[str, Result]) -> None:
    name, results = measured
    missed = [
        (row["text"], row["context"], row["intent"], got)
        for row, got in results
        if row["intent"] in ("goodbye", "person") and got != row["intent"]
    ]
    assert len(missed) <= SETS[name][1], missed


# Sets 5 to 11 are still held out. Set 5 was measured blind once with the rules alone
# (77.7 %, 1 false hand-over, 19 missed goodbye/person), then with the learned model beside
# the rules, developed on the other sets and tests/voicebot/intents_dev2.jsonl (86.8 %, 1,
# 14), then after a second round developed on tests/voicebot/intents_dev3.jsonl (88.6 %,
# 1, 13), after a third on intents_dev4.jsonl (90.5 %, 1, 12) and after a fourth on
# intents_dev5.jsonl (91.8 %, 1, 9). Set 6 was written after the second round and measured
# blind once (83.6 %, 0 false, 21 missed), then after the third (85.9 %, 0, 19) and the
# fourth (88.6 %, 0, 13). Set 7 was written during the third round, measured once before
# it (74.1 %), once after (75.5 %, 1 false goodbye, 1 false hand-over, 31 missed) and
# after the fourth (79.1 %, 1, 1, 22; its theme, other languages' thanks and farewells,
# was known when intents_dev5 was asked for). Set 8 was written during the fourth round
# and measured once before it (69.5 %, 3 false hand-overs, 36 missed) and once after
# (80.5 %, 0 false, 21 missed). After a fifth round on intents_dev6.jsonl: set 5 91.8 %
# (0, 1, 8), set 6 89.1 % (0, 0, 13), set 7 80.5 % (1, 1, 18), set 8 82.3 % (0, 0, 17).
# Set 9 was written during the fifth round, measured before it (82.3 %, 0 false, 14 missed)
# and after (84.1 %, 0, 11). After a sixth round on intents_dev7.jsonl, with the model
# retrained on eleven sets: set 5 91.8 % (0, 1, 8), set 6 88.6 % (0, 0, 13), set 7 83.2 %
# (1, 0, 15), set 8 83.2 % (0, 0, 16), set 9 83.6 % (0, 0, 11). (With the sixth round's rules
# and the model as it was, 91.8, 89.1, 82.3, 82.7, 84.5 %: the retrained model gives and
# takes a line or two per set, the rules alone gain on every set.) Set 10 (ordinary traffic)
# was written during the sixth round and measured before it (90.5 %, 0 false, 3 missed) and
# after (90.5 %, 0, 3). Set 11 (ordinary traffic) was written during the seventh round and
# measured before it (92.7 %, 0 false, 8 missed). After the seventh round on
# intents_dev8.jsonl, with the model retrained on twelve sets and surer before it ends or
# hands over a call (0.9): set 5 93.6 % (0, 1, 8), set 6 88.6 % (0, 0, 15), set 7 85.0 %
# (1, 0, 18), set 8 85.5 % (0, 0, 17), set 9 87.3 % (0, 0, 11), set 10 94.1 % (0, 0, 3),
# set 11 94.1 % (0, 0, 7); once more after rules that won back, on the development sets,
# what the surer model had lost there: set 5 94.1 % (0, 1, 7), set 10 94.5 % (0, 0, 2),
# set 11 94.5 % (0, 0, 6), the others unchanged. After rules for the hard negatives of
# intents_dev9.jsonl and the model retrained on thirteen sets: set 5 93.6 % (0, 1, 8), set 7
# 84.5 % (1, 0, 18), set 8 85.0 % (0, 0, 18), the others unchanged. Set 12 (ordinary
# traffic) was written during the eighth round and measured before it (93.2 %, 0 false, 4
# missed). After the eighth round on intents_dev10.jsonl (leaving without a farewell word,
# asides and broadcasts, a person asked for by title, desk or pronoun; the model retrained
# on fourteen sets, and heard on asides where it is sure): set 5 94.5 % (0, 1, 6), set 6
# 88.6 % (0, 0, 15), set 7 87.3 % (1, 0, 15), set 8 85.9 % (0, 0, 17), set 9 88.2 % (0, 0,
# 11), set 10 95.9 % (0, 0, 2), set 11 95.0 % (0, 0, 6), set 12 93.6 % (0, 0, 4). After
# the hard negatives of intents_dev11.jsonl (rules that keep questions from ending the
# call, and the model retrained on fifteen sets): set 5 95.0 % (0, 1, 6), set 7 86.4 %
# (1, 0, 15), set 11 95.5 % (0, 0, 6), the others unchanged. Set 13 (ordinary traffic) was
# written during the ninth round and measured before it (96.4 %, 0 false, 5 missed). After
# the ninth round on intents_dev12.jsonl (no, repeat and language in everyday forms, asides
# after an answer, an offer or a confirmation; the model retrained on sixteen sets; a
# measurement in the middle of the round is disclosed in tests/heldout/README.md): set 5
# 95.5 % (0, 1, 6), set 7 87.7 % (1, 0, 15), set 8 85.5 % (0, 0, 17), set 13 95.9 % (0, 0,
# 5), the others unchanged. After the hard negatives of intents_dev13.jsonl: unchanged.
# After the tenth round on intents_dev14.jsonl (goodbyes and person requests of varied
# callers, relay services for deaf callers, stammers; rules only, the model as it was): set
# 6 90.0 % (0, 0, 13), set 7 88.6 % (1, 0, 14), set 9 88.6 % (0, 0, 10), set 10 96.4 % (0,
# 0, 1), the others unchanged. After the hard negatives of intents_dev15.jsonl: set 9 88.2 %
# (0, 0, 11), set 11 95.9 % (0, 0, 5), the others unchanged. Nobody has read their lines
# or per-line results: their
# false decisions are known defects, named in tests/heldout/README.md, that have to be
# found on development data. These are the floors of the last measurements, nothing tuned.
# set → (accuracy floor, most false goodbyes, most false hand-overs, most missed
# goodbye/person)
STILL_HELD_OUT: dict[str, tuple[float, int, int, int]] = {
    "intents5.jsonl": (0.95, 0, 1, 6),
    "intents6.jsonl": (0.90, 0, 0, 13),
    "intents7.jsonl": (0.88, 1, 0, 14),
    "intents8.jsonl": (0.85, 0, 0, 17),
    "intents9.jsonl": (0.88, 0, 0, 11),
    "intents10.jsonl": (0.96, 0, 0, 1),
    "intents11.jsonl": (0.95, 0, 0, 5),
    "intents12.jsonl": (0.93, 0, 0, 4),
    "intents13.jsonl": (0.95, 0, 0, 5),
}


@pytest.mark.parametrize("name", sorted(STILL_HELD_OUT))
def test_the_sets_still_held_out_keep_their_measured_figures(name: str) -> None:
    floor, most_false_goodbye, most_false_person, most_missed = STILL_HELD_OUT[name]
    data = rows(name)
    assert len(data) >= 150 and {r["intent"] for r in data} >= INTENTS
    got = score(data, [classify(r["text"], r["lang"], r["context"]) for r in data])
    assert got.share >= floor
    assert got.faults["false goodbye"] <= most_false_goodbye
    assert got.faults["false person"] <= most_false_person
    assert got.missed <= most_missed
