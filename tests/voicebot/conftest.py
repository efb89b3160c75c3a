"""Real engines and a real knowledge index, loaded once per test session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from guichet.settings import Settings
from guichet.shell.cli import cli
from voicebot import VoicebotConfig
from voicebot.config import asr_model_dir
from voicebot.knowledge_port import Knowledge, open_knowledge
from voicebot.models import install_whisper_base
from voicebot.runtime import Engines, shared_engines

DEMO_CARDS = Path(__file__).resolve().parents[2] / "knowledge" / "demo" / "cards"


@pytest.fixture(scope="session")
def vb_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("vbhome")


@pytest.fixture(scope="session")
def vb_settings(vb_home: Path) -> Settings:
    settings = Settings(home=vb_home)  # models in <home>/models, like the CLI's
    install_whisper_base(asr_model_dir(settings))
    return settings


@pytest.fixture(scope="session")
def vb_config(vb_settings: Settings) -> VoicebotConfig:
    return VoicebotConfig.from_settings(vb_settings)


@pytest.fixture(scope="session")
def engines(vb_settings: Settings) -> Iterator[Engines]:
    yield shared_engines(vb_settings)  # the same instance the in-process CLI uses


@pytest.fixture(scope="session")
def kb_index(vb_home: Path) -> Path:
    index = vb_home / "kb-index"
    result = CliRunner().invoke(
        cli, ["--home", str(vb_home), "kb", "ingest", str(DEMO_CARDS), "--index", str(index)]
    )
    assert result.exit_code == 0, result.output
    return index


@pytest.fixture(scope="session")
def knowledge(kb_index: Path, vb_settings: Settings) -> Knowledge:
    return open_knowledge(kb_index, vb_settings)


@pytest.fixture(scope="session")
def voices(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("voices")
