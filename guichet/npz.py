"""Small numpy archives shipped in the package (the knowledge base's query adapter, the
voicebot's intent model): written whole or not at all, read eagerly, with one error for
any file that cannot be read, which each package translates into its own."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["NpzUnreadable", "load_npz", "save_npz"]


class NpzUnreadable(Exception):
    """Not an archive, or an archive without the arrays asked for."""


def save_npz(path: Path, arrays: Mapping[str, Any]) -> None:
    """Compressed, through a temporary file: a reader sees the old file or the new one."""
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.replace(path)


def load_npz(path: Path, names: Iterable[str]) -> dict[str, np.ndarray]:
    """The arrays ``names`` of ``path``, read now (no pickled objects)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return {name: np.asarray(data[name]) for name in names}
    except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise NpzUnreadable(str(exc)) from exc
