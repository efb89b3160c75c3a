"""The Whisper model is assembled once per installation, on first need, from the
installed packages: a new data directory needs no extra step."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from guichet.settings import Settings
from voicebot.errors import ModelError
from voicebot.models import ensure_whisper_base, verify_whisper_base
from voicebot.runtime import whisper_model_dir


@pytest.fixture
def installation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh installation prefix (what ``sys.prefix`` is for a venv or /usr/local)."""
    prefix = tmp_path / "prefix"
    prefix.mkdir()
    monkeypatch.setattr(sys, "prefix", str(prefix))
    return prefix


def test_a_fresh_data_directory_gets_the_installations_model(
    tmp_path: Path, installation: Path
) -> None:
    first = Settings(home=tmp_path / "first-home")
    found = whisper_model_dir(first)
    assert found.is_relative_to(installation)
    verify_whisper_base(found)  # sizes and SHA-256 of what was assembled
    assert not (tmp_path / "first-home").exists()  # nothing per data directory
    model = found / "model.bin"
    assembled = model.stat()
    # a second data directory reuses it, untouched
    assert whisper_model_dir(Settings(home=tmp_path / "second-home")) == found
    assert (model.stat().st_ino, model.stat().st_mtime_ns) == (
        assembled.st_ino,
        assembled.st_mtime_ns,
    )


def test_a_read_only_installation_falls_back_to_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a prefix nobody can create directories under (a file where a folder should be:
    # unlike a chmod, it holds for root too)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setattr(sys, "prefix", str(blocker / "prefix"))
    home = tmp_path / "home"
    found = whisper_model_dir(Settings(home=home))
    assert found == home.resolve() / "models" / "whisper-base"
    verify_whisper_base(found)


def test_models_dir_named_in_the_settings_is_filled_on_first_need(
    tmp_path: Path, installation: Path
) -> None:
    models = tmp_path / "models"
    found = whisper_model_dir(Settings(home=tmp_path / "home", models_dir=models))
    assert found == models.resolve() / "whisper-base"
    verify_whisper_base(found)
    assert not (installation / "share").exists()


def test_nowhere_to_write_is_a_model_error_that_says_what_to_do(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ModelError, match="guichet voicebot models"):
        ensure_whisper_base([blocker / "a", blocker / "b"])


def test_two_starts_at_once_assemble_it_once(tmp_path: Path) -> None:
    target = tmp_path / "shared" / "whisper-base"
    results: list[Path | BaseException] = []

    def start() -> None:
        try:
            results.append(ensure_whisper_base([target]))
        except BaseException as exc:  # reported below, in the test's thread
            results.append(exc)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert results == [target, target]
    verify_whisper_base(target)
    assert sorted(p.name for p in target.iterdir() if p.name.startswith("model.bin")) == [
        "model.bin"
    ]
