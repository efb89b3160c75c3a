import re
from pathlib import Path

from guichet.secrets_store import load_or_create_secrets
from guichet.settings import load_settings
from pbx.asterisk_config import RenderContext, render_all, sip_usernames, template_names


def render(tmp_path: Path, **overrides: object) -> tuple[dict[str, str], object]:
    settings = load_settings({}, {"home": str(tmp_path), **overrides})
    secrets = load_or_create_secrets(tmp_path, sip_usernames(settings))
    files = render_all(settings, secrets, RenderContext("/var/lib/guichet/x", "/mods"))
    return files, secrets


def sections(text: str) -> dict[str, list[dict[str, str]]]:
    found: dict[str, list[dict[str, str]]] = {}
    current: dict[str, str] | None = None
    for raw_line in text.splitlines():
        line = raw_line.split(";", 1)[0].strip()
        if not line:
            continue
        if m := re.match(r"\[([^\]]+)\]", line):
            current = {}
            found.setdefault(m.group(1), []).append(current)
        elif current is not None and "=" in line:
            key, value = (p.strip() for p in line.split("=", 1))
            current[key] = value.lstrip(">").strip()
    return found


def test_every_template_renders(tmp_path: Path) -> None:
    files, _ = render(tmp_path)
    assert set(files) == set(template_names())
    assert "{{" not in "".join(files.values())


def test_management_interfaces_bind_to_localhost(tmp_path: Path) -> None:
    files, _ = render(tmp_path)
    assert sections(files["http.conf"])["general"][0]["bindaddr"] == "127.0.0.1"
    manager = sections(files["manager.conf"])
    assert manager["general"][0]["bindaddr"] == "127.0.0.1"
    assert manager["guichet"][0]["deny"] == "0.0.0.0/0.0.0.0"


def test_generated_passwords_are_used(tmp_path: Path) -> None:
    files, secrets = render(tmp_path)
    assert sections(files["ari.conf"])["guichet"][0]["password"] == secrets.ari_password  # type: ignore[attr-defined]
    assert sections(files["manager.conf"])["guichet"][0]["secret"] == secrets.ami_password  # type: ignore[attr-defined]
    auths = [
        s
        for name, group in sections(files["pjsip.conf"]).items()
        for s in group
        if s.get("type") == "auth"
    ]
    assert {a["username"]: a["password"] for a in auths} == secrets.sip_accounts  # type: ignore[attr-defined]


def test_no_anonymous_sip_and_trunk_by_address(tmp_path: Path) -> None:
    files, _ = render(tmp_path, trunk_addresses=["192.0.2.10", "198.51.100.0/24"])
    pjsip = sections(files["pjsip.conf"])
    assert "anonymous" not in pjsip
    endpoints = {
        name for name, group in pjsip.items() for s in group if s.get("type") == "endpoint"
    }
    assert endpoints == {"trunk", "1001", "1002"}
    for name in endpoints - {"trunk"}:
        assert any(s.get("auth") == name for s in pjsip[name])
    assert "match = 192.0.2.10" in files["pjsip.conf"]
    assert "match = 198.51.100.0/24" in files["pjsip.conf"]


def test_trunk_reaches_only_public_numbers(tmp_path: Path) -> None:
    files, _ = render(tmp_path)
    dialplan = files["extensions.conf"]
    trunk_block = dialplan.split("[from-trunk]")[1].split("\n[")[0]
    assert "exten => 3000," in trunk_block and "exten => 3999," in trunk_block
    assert "Dial(" not in trunk_block  # no way out to agents or the outside
    assert 'STASISSTATUS}" = "FAILED"' in trunk_block


def test_transmit_silence_and_instance_dirs(tmp_path: Path) -> None:
    files, _ = render(tmp_path)
    conf = sections(files["asterisk.conf"])
    assert conf["options"][0]["transmit_silence"] == "yes"
    assert conf["directories"][0]["astetcdir"] == "/var/lib/guichet/x/etc"
    assert conf["directories"][0]["astdbdir"] == "/var/lib/guichet/x/db"
