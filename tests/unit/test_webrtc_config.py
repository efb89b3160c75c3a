"""The accounts' WebRTC endpoints in the rendered pjsip.conf and extensions.conf."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from guichet.accounts import Account
from guichet.secrets_store import load_or_create_secrets
from guichet.settings import load_settings
from pbx.asterisk_config import (
    DeskEndpoint,
    RenderContext,
    UnsafeConfigValue,
    desk_endpoints,
    render_all,
    sip_usernames,
)


def sections(text: str) -> dict[str, list[dict[str, str]]]:
    """A .conf's sections by name (a name may repeat: auth, aor, endpoint)."""
    found: dict[str, list[dict[str, str]]] = {}
    current: dict[str, str] | None = None
    for raw_line in text.splitlines():
        line = raw_line.split(";", 1)[0].strip()
        if m := re.match(r"\[([^\]]+)\]", line):
            current = {}
            found.setdefault(m.group(1), []).append(current)
        elif current is not None and "=" in line:
            key, value = (p.strip() for p in line.split("=", 1))
            current[key] = value
    return found


def account(name: str, role: str = "agent", *, disabled: bool = False) -> Account:
    services = ("etat-civil",) if role == "expert" else ()
    return Account(0, name, name, role, services, "fr", disabled, f"secret-of-{name}")  # type: ignore[arg-type]


def render(tmp_path: Path, desk: list[DeskEndpoint]) -> dict[str, str]:
    settings = load_settings({}, {"home": str(tmp_path)})
    secrets = load_or_create_secrets(tmp_path, sip_usernames(settings))
    return render_all(settings, secrets, RenderContext("/var/lib/guichet/x", "/mods"), desk)


def test_softphone_roles_enabled_only() -> None:
    made = desk_endpoints(
        [
            account("zoe"),
            account("yann", "expert"),
            account("sam", "supervisor"),
            account("root", "admin"),
            account("gone", disabled=True),
        ]
    )
    assert [e.user for e in made] == ["sam", "yann", "zoe"]
    assert made[-1].password == "secret-of-zoe"


def test_reserved_names_are_never_endpoints() -> None:
    assert desk_endpoints([account("trunk"), account("transport-ws"), account("global")]) == []


def test_endpoint_is_webrtc_by_username_with_its_secret(tmp_path: Path) -> None:
    files = render(tmp_path, desk_endpoints([account("alice")]))
    found = sections(files["pjsip.conf"])
    endpoint = next(s for s in found["alice"] if s.get("type") == "endpoint")
    assert endpoint["webrtc"] == "yes"
    assert endpoint["identify_by"] == "username"  # never the trunk, from any address
    assert endpoint["context"] == "agents"
    assert endpoint["transport"] == "transport-ws"
    assert endpoint["allow_transfer"] == "yes"
    assert endpoint["allow"] == "opus,ulaw,alaw"
    auth = next(s for s in found["alice"] if s.get("type") == "auth")
    assert auth["username"] == "alice" and auth["password"] == "secret-of-alice"
    aor = next(s for s in found["alice"] if s.get("type") == "aor")
    assert aor["max_contacts"] == "1" and aor["remove_existing"] == "yes"
    assert found["transport-ws"][0]["protocol"] == "ws"
    # colleagues reach each other by name from the agents' context
    assert "exten => alice,1,Dial(PJSIP/alice,30)" in files["extensions.conf"]


def test_no_accounts_no_endpoints(tmp_path: Path) -> None:
    files = render(tmp_path, [])
    assert "webrtc" not in "".join(line.split(";")[0] for line in files["pjsip.conf"].splitlines())


def test_name_taken_by_a_test_account_or_queue_is_left_out(tmp_path: Path) -> None:
    files = render(tmp_path, [DeskEndpoint("1001", "x"), DeskEndpoint("urbanisme", "y")])
    found = sections(files["pjsip.conf"])
    assert all(s.get("password") != "x" for s in found["1001"])
    assert "urbanisme" not in found


def test_secret_with_a_line_break_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsafeConfigValue):
        render(tmp_path, [DeskEndpoint("alice", "x\nmatch = 0.0.0.0/0")])
