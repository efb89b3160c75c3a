"""``guichet privacy purge|export|erase|audit`` as an operator runs them."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from guichet.shell.cli import cli
from guichet.store import Store
from tests.privacy.seed import add_call, add_case, add_sms

ALICE = "+33612345678"
Invoke = Callable[..., Result]


@pytest.fixture
def invoke(store: Store, store_url: str, tmp_path: Path) -> Invoke:
    def run(*args: str, stdin: str | None = None) -> Result:
        env = {"GUICHET_DATABASE_URL": store_url, "GUICHET_HOME": str(tmp_path / "home")}
        return CliRunner().invoke(cli, ["privacy", *args], env=env, input=stdin)

    return run


def test_export_erase_and_their_audit_from_the_command_line(
    invoke: Invoke, store: Store, tmp_path: Path
) -> None:
    at = datetime.now(UTC) - timedelta(days=1)
    add_case(store, number=ALICE, updated=at, words=("Je cherche le formulaire Cerfa",))
    add_call(store, caller="0612345678", started=at, ended=at)

    shown = invoke("export", "06 12 34 56 78", "--by", "dpo")
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert data["number"] == ALICE and len(data["cases"]) == 1 and len(data["calls"]) == 1

    saved = tmp_path / "export.json"
    written = invoke("export", ALICE, "-o", str(saved))
    assert written.exit_code == 0, written.output
    assert json.loads(saved.read_text())["cases"][0]["transcript"][0]["text"] == (
        "Je cherche le formulaire Cerfa"
    )
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600  # personal data on disk too

    refused = invoke("erase", ALICE, stdin="n\n")
    assert refused.exit_code != 0 and json.loads(invoke("export", ALICE).stdout)["cases"]

    erased = invoke("erase", ALICE, "--yes", "--by", "dpo")
    assert erased.exit_code == 0, erased.output
    assert "1 case(s) (1 transcript lines)" in erased.stdout and "1 call(s)" in erased.stdout
    assert json.loads(invoke("export", ALICE).stdout)["cases"] == []

    trail = invoke("audit")
    actions = [line.split()[2] for line in trail.stdout.splitlines()]
    assert actions == [
        "privacy.export",
        "privacy.erase",
        "privacy.export",
        "privacy.export",
        "privacy.export",
    ]
    assert "cli:dpo" in trail.stdout and "612345678" not in trail.stdout


def test_purge_from_the_command_line(invoke: Invoke, store: Store) -> None:
    add_sms(store, to=ALICE, body="Rappel", created=datetime.now(UTC) - timedelta(days=31))
    done = invoke("purge")
    assert done.exit_code == 0, done.output
    assert "sms 1" in done.stdout
    assert "sms 0" in invoke("purge").stdout


def test_not_a_number(invoke: Invoke) -> None:
    result = invoke("export", "mairie")
    assert result.exit_code != 0 and "not a phone number" in str(result.exception)
