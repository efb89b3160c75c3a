"""The knowledge layer's exception tree, rooted in :class:`guichet.errors.GuichetError`."""

from __future__ import annotations

from pathlib import Path

from guichet.errors import GuichetError


class KnowledgeError(GuichetError):
    """Something in the knowledge base went wrong on purpose-visible grounds."""


class CardError(KnowledgeError):
    """A card file is malformed; carries the file and the reason so editors can fix it."""

    def __init__(self, file: Path | str, reason: str) -> None:
        self.file = Path(file)
        self.reason = reason
        super().__init__(f"{self.file}: {reason}")


class IndexNotFound(KnowledgeError):
    """No index at the given path: run ``guichet kb ingest DIR`` first."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"no knowledge index at {path} (run `guichet kb ingest DIR` first)")


class IndexCorrupt(KnowledgeError):
    """The index exists but cannot be read, or was built by an incompatible version."""


class EmbeddingError(KnowledgeError):
    """The embedding engine is unknown or could not be loaded."""
