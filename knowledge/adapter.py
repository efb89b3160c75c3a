"""A linear map applied to the caller's question vector before the vector search.

multilingual-e5-small is a general model: "mon gamin mange à la cantine, c'est combien"
and a card titled "Restauration scolaire : tarifs" are further apart in its space than
a city hall needs. The query adapter is a 384 x 384 matrix, pulled towards the identity,
learnt from labelled questions of several development communes
(``tests/knowledge/fit_query_adapter.py``): an in-scope question towards its card and
away from the others, an out-of-scope one towards the "not a city hall matter" anchors.
Only the question is mapped; cards, their example questions and the anchors stay as
the model embeds them, so a new adapter needs no re-ingest and a city's index does not
depend on it.

It is tied to the embedding engine it was learnt for: with another engine (the tests'
hashing stand-in) none is used. Measured with each development commune left out of the
learning in turn, it raises the top-1 of the plain vector search from 0.788 to 0.839
(``knowledge/demo/README.md``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from guichet.npz import NpzUnreadable, load_npz, save_npz
from knowledge.errors import KnowledgeError

__all__ = ["SHIPPED_ADAPTER", "QueryAdapter", "load_query_adapter"]

SHIPPED_ADAPTER = Path(__file__).with_name("query_adapter.npz")

Matrix = npt.NDArray[np.float32]


@dataclass(frozen=True)
class QueryAdapter:
    embedder: str  # EmbedderInfo.name of the engine whose space it maps
    matrix: Matrix  # (dim, dim); applied as v @ matrix.T, then re-normalised
    langs: frozenset[str] = frozenset({"fr", "en"})  # the questions it maps
    note: str = ""  # how it was learnt, for `guichet kb info` and the logs

    def apply(self, vectors: Matrix) -> Matrix:
        mapped = vectors @ self.matrix.T
        norms = np.linalg.norm(mapped, axis=1, keepdims=True)
        out: Matrix = (mapped / np.maximum(norms, 1e-9)).astype(np.float32)
        return out

    def save(self, path: Path) -> None:
        save_npz(
            path,
            {
                "matrix": self.matrix.astype(np.float32),
                "embedder": np.array(self.embedder),
                "langs": np.array(sorted(self.langs)),
                "note": np.array(self.note),
            },
        )

    @classmethod
    def load(cls, path: Path) -> QueryAdapter:
        try:
            data = load_npz(path, ("matrix", "embedder", "note", "langs"))
            matrix = data["matrix"].astype(np.float32)
        except (NpzUnreadable, ValueError) as exc:
            raise KnowledgeError(f"{path}: unreadable query adapter ({exc})") from exc
        embedder, note = str(data["embedder"]), str(data["note"])
        langs = frozenset(str(lang) for lang in data["langs"])
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise KnowledgeError(f"{path}: the adapter is not a square matrix {matrix.shape}")
        if not np.isfinite(matrix).all():
            raise KnowledgeError(f"{path}: the adapter holds non-finite values")
        return cls(embedder, matrix, langs, note)


def load_query_adapter(
    embedder: str, dim: int, *, enabled: bool, path: Path | None
) -> QueryAdapter | None:
    """The adapter for ``embedder``: the explicit file (which must fit it), else the
    shipped one when it was learnt for that engine, else none."""
    if not enabled:
        return None
    if path is None:
        if not SHIPPED_ADAPTER.is_file():
            return None
        shipped = QueryAdapter.load(SHIPPED_ADAPTER)
        return shipped if shipped.embedder == embedder else None
    if not path.is_file():
        raise KnowledgeError(f"{path}: query adapter file not found")
    adapter = QueryAdapter.load(path)
    if adapter.embedder != embedder or adapter.matrix.shape[0] != dim:
        raise KnowledgeError(
            f"{path}: learnt for {adapter.embedder} ({adapter.matrix.shape[0]} dimensions), "
            f"the index uses {embedder} ({dim})"
        )
    return adapter
