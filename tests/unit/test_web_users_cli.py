"""``guichet users add|list|disable|reset-password`` on a fresh data directory."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from guichet.accounts import AccountRepository, WrongCredentials
from guichet.shell.cli import cli
from guichet.store import open_store


def run(home: Path, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--home", str(home), "users", *args], input=stdin)
    return result.exit_code, result.output


def password_in(output: str) -> str:
    found = re.search(r"^password: (\S+)", output, re.MULTILINE)
    assert found, output
    return found.group(1)


def repo(home: Path) -> AccountRepository:
    return AccountRepository(open_store(f"sqlite:///{home / 'guichet.db'}"))


def test_add_list_reset_disable(tmp_path: Path) -> None:
    home = tmp_path / "home"
    code, out = run(home, "add", "marie", "--role", "agent", "--name", "Marie Dupont")
    assert code == 0, out
    marie_password = password_in(out)

    code, out = run(home, "add", "paul", "--role", "expert", "--service", "etat-civil")
    assert code == 0, out
    code, out = run(home, "add", "jean", "--role", "expert", "--service", "piscine")
    assert code != 0 and "unknown service(s) piscine" in out
    code, out = run(home, "add", "anne", "--role", "agent", "--service", "etat-civil")
    assert code != 0 and "only experts have services" in out
    code, out = run(
        home, "add", "lea", "--role", "supervisor", "--password-stdin", stdin="a typed password\n"
    )
    assert code == 0 and "password:" not in out

    code, listing = run(home, "list")
    assert code == 0
    # the first admin was made at first run, with the password of secrets.json
    names = [line.split()[0] for line in listing.splitlines()]
    assert names == ["admin", "lea", "marie", "paul"]
    assert "etat-civil" in listing and "Marie Dupont" in listing
    accounts = repo(home)
    secrets = [a.sip_secret for a in accounts.list()]
    assert not [s for s in (*secrets, marie_password) if s in listing]
    admin_password = json.loads((home / "secrets.json").read_text())["admin_password"]
    assert accounts.verify_password("admin", admin_password).role == "admin"
    assert accounts.verify_password("lea", "a typed password").role == "supervisor"

    before = accounts.get("marie")
    assert before is not None
    code, out = run(home, "reset-password", "marie")
    assert code == 0, out
    new_password = password_in(out)
    after = accounts.get("marie")
    assert after is not None and after.sip_secret != before.sip_secret
    assert accounts.verify_password("marie", new_password).username == "marie"

    code, out = run(home, "disable", "marie")
    assert code == 0
    with pytest.raises(WrongCredentials):
        accounts.verify_password("marie", new_password)
    assert "disabled" in run(home, "list")[1]
    code, out = run(home, "disable", "nobody")
    assert code != 0 and "no account 'nobody'" in out
