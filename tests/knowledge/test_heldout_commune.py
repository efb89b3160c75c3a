"""The held-out communes (tests/heldout/commune, commune3, commune4): other cities'
cards and citizens' questions, each written blind by its own author and never used to
fit or tune anything.

The default calibration must hold on them without a refit. The floors are the figures
measured with the shipped calibration (bench_heldout.py), about one question under;
they are below the issue's targets (answered-correct ≥ 85 %, precision ≥ 97 %,
out-of-scope ≥ 90 %), which is said in the issue's closing note rather than hidden by
a lower bar elsewhere. A floor only ever follows a measurement: it is never the reason
for a change.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from guichet.settings import Settings
from knowledge.embeddings import Embedder

from .floors import Figures, Floors, below, measure_commune

HELDOUT = Path(__file__).resolve().parents[1] / "heldout"
# commune: first measured 2026-11-29 (blind). commune3: measured blind once on
# 2026-11-29. commune4: measured blind once on 2026-11-30. All three measured again on
# 2026-11-30 after the query adapter was shipped (chosen on development data only,
# before this measurement); the floors follow that measurement, about one question under.
# English again the same day after English questions were made to answer from a higher
# point (kb_operating_point_raise, chosen on development data): answered-correct fell
# 74.0 → 72.0, 71.0 → 67.7, 50.0 → 41.4 %, precision 88.1 → 87.8, 88.0 → 87.5,
# 76.1 → 85.3 % (the rest moved into "do you mean …?"); the English floors follow it.
# Again after the vector search was given the question's spoken core (knowledge/spoken.py,
# chosen on development data): answered-correct / precision / out of scope, before → after,
# French commune 67.9 → 67.0 / 90.2 → 94.8 / 89.1 → 95.7, commune3 78.6 → 79.4 / 91.7 → 93.5 /
# 84.9 → 87.9, commune4 50.9 → 52.7 / 84.9 → 85.3 / 92.3 → 97.4; English commune 72.0 → 74.0 /
# 87.8 → 88.1 / 87.5, commune3 67.7 → 69.3 / 87.5 → 89.6 / 88.2, commune4 41.4 → 44.3 /
# 85.3 → 88.6 / 90.5. The floors follow it.
FLOORS: dict[str, Floors] = {
    "commune": {  # fr 109 in scope, 46 out; en 50 in, 16 out
        "fr": {"answered_correct": 0.66, "precision": 0.93, "oos_abstain": 0.93, "top1": 0.83},
        "en": {"answered_correct": 0.72, "precision": 0.85, "oos_abstain": 0.81, "top1": 0.80},
    },
    "commune3": {  # fr 126 in, 33 out; en 62 in, 17 out
        "fr": {"answered_correct": 0.78, "precision": 0.92, "oos_abstain": 0.84, "top1": 0.89},
        "en": {"answered_correct": 0.67, "precision": 0.87, "oos_abstain": 0.82, "top1": 0.77},
    },
    "commune4": {  # fr 110 in, 39 out; en 70 in, 21 out
        "fr": {"answered_correct": 0.51, "precision": 0.83, "oos_abstain": 0.94, "top1": 0.75},
        "en": {"answered_correct": 0.42, "precision": 0.86, "oos_abstain": 0.85, "top1": 0.71},
    },
}


@pytest.fixture(scope="module", params=sorted(FLOORS))
def commune(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    embedder: Embedder,
    settings: Settings,
) -> tuple[str, Figures]:
    name: str = request.param
    folder = HELDOUT / name
    index = tmp_path_factory.mktemp(f"heldout-{name}")
    items, figures = measure_commune(folder, index, embedder, settings)
    # the set is what tests/heldout/README.md says
    assert len(items) >= 200
    assert len(list((folder / "cards").glob("*.md"))) >= 40
    assert {i.lang for i in items} == {"fr", "en"}
    assert sum(i.expect is None for i in items) >= 40
    return name, figures


def test_the_default_calibration_holds_on_other_communes(commune: tuple[str, Figures]) -> None:
    name, figures = commune
    assert not below(figures, FLOORS[name])
