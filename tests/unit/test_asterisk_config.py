import dataclasses
import os
import re
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from guichet.secrets_store import load_or_create_secrets
from guichet.settings import Settings, load_settings
from pbx import asterisk_config, asterisk_root
from pbx.asterisk_config import (
    NEVER_LOADED,
    PRIVATE_FILES,
    RenderContext,
    UnsafeConfigValue,
    render_all,
    sip_usernames,
    template_names,
    write_config,
)
from pbx.asterisk_root import (
    PRIVATE_IDS,
    asterisk_ids,
    claim_tree,
    ensure_private_ids,
    host_gid_taken,
    host_uid_taken,
)
from pbx.dialplan import DialplanFlow


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


# --- SIP hardening: who may be the trunk, what is loaded, who reads what ---


def test_the_trunk_is_chosen_by_address_only(tmp_path: Path) -> None:
    files, _ = render(tmp_path)
    pjsip = sections(files["pjsip.conf"])
    trunk = next(s for s in pjsip["trunk"] if s.get("type") == "endpoint")
    # without identify_by, "From: sip:trunk@…" from anywhere picked this endpoint, which
    # has no password
    assert trunk["identify_by"] == "ip"
    assert "auth" not in trunk
    assert trunk["allow_transfer"] == "no"  # no REFER from outside
    for user in ("1001", "1002"):
        endpoint = next(s for s in pjsip[user] if s.get("type") == "endpoint")
        assert endpoint["identify_by"] == "username" and endpoint["auth"] == user
    # agents on the trunk's own address are still challenged as agents
    order = pjsip["global"][0]["endpoint_identifier_order"].split(",")
    assert order.index("username") < order.index("ip")


def test_no_trunk_address_no_identify_section(tmp_path: Path) -> None:
    files, _ = render(tmp_path, trunk_addresses=[])
    assert not any(s.get("type") == "identify" for s in sections(files["pjsip.conf"])["trunk"])


def test_risky_modules_are_never_loaded(tmp_path: Path) -> None:
    files, _ = render(tmp_path)
    lines = [line.split(";", 1)[0].strip() for line in files["modules.conf"].splitlines()]
    loaded = {line.split("=", 1)[1].strip() for line in lines if line.startswith("load ")}
    refused = {line.split("=", 1)[1].strip() for line in lines if line.startswith("noload ")}
    assert sections(files["modules.conf"])["modules"][0]["autoload"] == "no"  # the list only
    risky = {f"{m}.so" for m in NEVER_LOADED}
    assert risky >= {"func_shell.so", "app_exec.so", "pbx_spool.so", "res_clioriginate.so"}
    assert not loaded & risky
    assert risky <= refused  # not even as another module's dependency


# What each AMI action and event Guichet uses needs (Asterisk 22: the privilege an
# action is registered with, the class an event is sent under; 0 = none).
AMI_ACTION_CLASS = {
    "Ping": None,
    "QueueStatus": None,
    "QueueAdd": "agent",
    "QueueRemove": "agent",
    "QueuePause": "agent",
    "Filter": "system",
    "DBPut": "system",
    "DBGet": "system",
    # the desk's escalation (pbx.desk.escalate): Status takes system, call or reporting
    "Status": "system",
    "Setvar": "call",
    "Redirect": "call",
}
AMI_EVENT_CLASS = {"Queue": "agent", "Agent": "agent", "DeviceStateChange": "call"}


def _ami_actions_in_code() -> set[str]:
    root = Path(__file__).resolve().parents[2]
    found: set[str] = set()
    for package in ("guichet", "pbx", "agent_softphone", "voicebot", "knowledge", "ivr_flows"):
        for path in (root / package).rglob("*.py"):
            found |= set(re.findall(r"""["']Action["']\s*:\s*["'](\w+)["']""", path.read_text()))
    return found


def test_ami_account_has_exactly_the_classes_the_code_uses(tmp_path: Path) -> None:
    from pbx.queues import monitor  # noqa: PLC0415 - only this test reads its filter

    actions = _ami_actions_in_code()
    unknown = actions - AMI_ACTION_CLASS.keys()
    assert not unknown, f"AMI actions without a known class (add them here): {unknown}"
    events = re.findall(r"\w+", monitor._EVENTS.split("(", 1)[1])
    assert set(events) <= AMI_EVENT_CLASS.keys()
    needed_write = {AMI_ACTION_CLASS[a] for a in actions} - {None}
    needed_read = {AMI_EVENT_CLASS[e] for e in events}

    files, _ = render(tmp_path)
    account = sections(files["manager.conf"])["guichet"][0]
    # no "command": the secret must not be a way to run any CLI command (issue 10)
    assert set(account["write"].split(",")) == needed_write == {"agent", "system", "call"}
    assert set(account["read"].split(",")) == needed_read


def test_control_characters_never_reach_a_conf_file(tmp_path: Path) -> None:
    settings = load_settings({}, {"home": str(tmp_path)})
    secrets = load_or_create_secrets(tmp_path, sip_usernames(settings))
    secrets.sip_accounts["1001"] = "s3cret\nmatch = 0.0.0.0/0"  # a hand-edited secrets.json
    with pytest.raises(UnsafeConfigValue, match=r"pjsip\.conf") as refused:
        render_all(settings, secrets, RenderContext("/var/lib/guichet/x", "/mods"))
    assert "s3cret" not in str(refused.value)  # the value is not quoted: it is a password


def test_a_line_break_in_the_call_flow_is_refused_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a closure's reason lands in a dialplan comment: its second line would be dialplan
    real = asterisk_config.flow_context

    def closure_with_two_lines(settings: Settings) -> DialplanFlow:
        flow = real(settings)
        first = dataclasses.replace(flow.checks[0], comment="inventaire\nexten => _X.,1,Dial(x)")
        return dataclasses.replace(flow, checks=[first, *flow.checks[1:]])

    monkeypatch.setattr(asterisk_config, "flow_context", closure_with_two_lines)
    settings = load_settings({}, {"home": str(tmp_path)})
    secrets = load_or_create_secrets(tmp_path, sip_usernames(settings))
    with pytest.raises(UnsafeConfigValue, match=r"extensions\.conf"):
        render_all(settings, secrets, RenderContext("/var/lib/guichet/x", "/mods"))


# --- file modes on a rendered tree ---

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")


def _unused_id(start: int) -> int:
    return next(
        i for i in range(start, start + 10000) if not (host_uid_taken(i) or host_gid_taken(i))
    )


def _can_read(path: Path, uid: int, gid: int) -> bool:
    # the kernel decides, as for Asterisk after it dropped to uid:gid
    return (
        subprocess.run(
            ["cat", str(path)], user=uid, group=gid, extra_groups=[], capture_output=True
        ).returncode
        == 0
    )


@pytest.fixture
def open_parent() -> Iterator[Path]:
    # pytest's tmp_path sits in a 0700 directory: nobody else could look in anyway
    parent = Path(tempfile.mkdtemp(prefix="guichet-etc-"))
    parent.chmod(0o755)
    try:
        yield parent
    finally:
        shutil.rmtree(parent)


@needs_root
def test_rendered_tree_is_readable_by_asterisk_and_secrets_by_nobody_else(
    tmp_path: Path, open_parent: Path
) -> None:
    files, _ = render(tmp_path)
    asterisk_uid = _unused_id(71000)
    asterisk_gid = asterisk_uid
    stranger = _unused_id(asterisk_uid + 1)
    etc = open_parent / "etc"
    etc.mkdir()
    (etc / "old.conf").write_text("stale\n")
    (etc / "pjsip.conf").symlink_to(open_parent / "elsewhere.conf")  # placed beforehand
    write_config(files, etc, asterisk_uid, asterisk_gid)

    assert sorted(p.name for p in etc.iterdir()) == sorted(files)  # stale one gone
    assert not (open_parent / "elsewhere.conf").exists()  # replaced, not written through
    info = etc.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (0, asterisk_gid, 0o750)
    for name in files:
        info = (etc / name).lstat()
        private = name in PRIVATE_FILES
        assert stat.S_ISREG(info.st_mode)
        assert (info.st_uid, info.st_gid) == (0, asterisk_gid), name
        assert stat.S_IMODE(info.st_mode) == (0o640 if private else 0o644), name
        # Asterisk reads its configuration after dropping privileges
        assert _can_read(etc / name, asterisk_uid, asterisk_gid), name
        assert not _can_read(etc / name, stranger, stranger), name
    assert {"pjsip.conf", "ari.conf", "manager.conf"} <= PRIVATE_FILES


# --- the asterisk user's ids in the root ---


def _fake_root(root: Path) -> None:
    (root / "etc").mkdir(parents=True)
    (root / "etc/passwd").write_text(
        "root:x:0:0:root:/root:/bin/bash\n"
        "asterisk:x:101:101:Asterisk PBX daemon:/var/lib/asterisk:/usr/sbin/nologin\n"
    )
    (root / "etc/group").write_text(
        "root:x:0:\ndialout:x:20:asterisk\naudio:x:29:pulse,asterisk\nasterisk:x:101:\n"
    )
    (root / "etc/gshadow").write_text("dialout:*::asterisk\naudio:*::pulse,asterisk\n")
    os.chown(root / "etc/gshadow", 0, 42)  # root:shadow
    (root / "etc/gshadow").chmod(0o640)
    for sub in ("var/lib/asterisk", "var/lib/guichet/aaaaaaaaaaaa/db", "etc/asterisk", "usr/bin"):
        (root / sub).mkdir(parents=True)
    (root / "var/lib/asterisk/astdb").write_text("x")
    (root / "var/lib/guichet/aaaaaaaaaaaa/db/astdb.sqlite3").write_text("x")
    (root / "etc/asterisk/pjsip.conf").write_text("x")
    (root / "usr/bin/tool").write_text("x")
    for path in ("var/lib/asterisk", "var/lib/asterisk/astdb", "var/lib/guichet/aaaaaaaaaaaa/db"):
        os.chown(root / path, 101, 101)
    os.chown(root / "var/lib/guichet/aaaaaaaaaaaa/db/astdb.sqlite3", 101, 101)
    os.chown(root / "etc/asterisk/pjsip.conf", 0, 101)
    (root / "usr/bin/tool").chmod(0o2755)
    os.chown(root / "usr/bin/tool", 0, 101)
    (root / "usr/bin/tool").chmod(0o2755)


def _owner(path: Path) -> tuple[int, int]:
    info = path.lstat()
    return info.st_uid, info.st_gid


@needs_root
def test_asterisk_ids_taken_on_the_host_are_remapped(tmp_path: Path) -> None:
    _fake_root(tmp_path)
    # on this kind of machine the host's postgres has uid 101, _ssh gid 101
    taken = set(range(0, 1000))
    ids = ensure_private_ids(tmp_path, uid_taken=taken.__contains__, gid_taken=taken.__contains__)

    assert ids.remapped_from == (101, 101) and not ids.deferred
    assert ids.uid in PRIVATE_IDS and ids.gid in PRIVATE_IDS
    assert asterisk_ids(tmp_path) == (ids.uid, ids.gid)
    new = (ids.uid, ids.gid)
    assert _owner(tmp_path / "var/lib/asterisk") == new
    assert _owner(tmp_path / "var/lib/asterisk/astdb") == new
    assert _owner(tmp_path / "var/lib/guichet/aaaaaaaaaaaa/db/astdb.sqlite3") == new
    assert _owner(tmp_path / "etc/asterisk/pjsip.conf") == (0, ids.gid)  # group only
    tool = (tmp_path / "usr/bin/tool").lstat()
    assert (tool.st_gid, stat.S_IMODE(tool.st_mode)) == (ids.gid, 0o2755)  # set-gid kept
    assert _owner(tmp_path / "etc/passwd") == (0, 0)
    # no host device or serial group either: /dev in the root is the host's
    group = (tmp_path / "etc/group").read_text()
    assert "dialout:x:20:\n" in group and "audio:x:29:pulse\n" in group
    assert f"asterisk:x:{ids.gid}:" in group
    gshadow = tmp_path / "etc/gshadow"
    assert "asterisk" not in gshadow.read_text()
    assert _owner(gshadow) == (0, 42) and stat.S_IMODE(gshadow.stat().st_mode) == 0o640

    again = ensure_private_ids(tmp_path, uid_taken=taken.__contains__, gid_taken=taken.__contains__)
    assert again == type(ids)(ids.uid, ids.gid)  # nothing left to do


@needs_root
def test_free_ids_are_kept(tmp_path: Path) -> None:
    _fake_root(tmp_path)
    ids = ensure_private_ids(tmp_path, uid_taken=lambda _: False, gid_taken=lambda _: False)
    assert (ids.uid, ids.gid, ids.remapped_from) == (101, 101, None)
    assert "asterisk" not in (tmp_path / "etc/group").read_text().replace("asterisk:x:101:", "")


@needs_root
def test_running_instances_keep_their_files_until_they_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_root(tmp_path)
    busy = {"var/lib/guichet/aaaaaaaaaaaa"}
    monkeypatch.setattr(asterisk_root, "_busy_instances", lambda _root: (busy, False))
    ids = ensure_private_ids(tmp_path, uid_taken=lambda i: i == 101, gid_taken=lambda i: i == 101)
    inst_db = tmp_path / "var/lib/guichet/aaaaaaaaaaaa/db"
    # the Asterisk running there still writes as 101: its files stay 101's for now…
    assert _owner(inst_db / "astdb.sqlite3") == (101, 101)
    assert _owner(tmp_path / "var/lib/asterisk/astdb") == (ids.uid, ids.gid)
    # …and become the new ids' when pbx.asterisk_process starts it again
    claim_tree(inst_db, ids.uid, ids.gid)
    assert _owner(inst_db / "astdb.sqlite3") == (ids.uid, ids.gid)


@needs_root
def test_a_foreign_process_in_the_root_defers_the_remap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_root(tmp_path)
    monkeypatch.setattr(asterisk_root, "_busy_instances", lambda _root: (set(), True))
    ids = ensure_private_ids(tmp_path, uid_taken=lambda i: i == 101, gid_taken=lambda i: i == 101)
    assert ids.deferred and ids.remapped_from is None
    assert asterisk_ids(tmp_path) == (101, 101)
    assert _owner(tmp_path / "var/lib/asterisk/astdb") == (101, 101)


@needs_root
def test_rendered_without_root_asterisk_reads_through_the_renderers_group(
    tmp_path: Path, open_parent: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The compose layout: ``guichet asterisk render`` runs as the Guichet image's user
    (not root) into a volume; the Asterisk image's user is a member of that user's
    group (asterisk-config/Dockerfile)."""
    files, _ = render(tmp_path)
    renderer = _unused_id(72000)
    asterisk = _unused_id(renderer + 1)
    etc = open_parent / "asterisk-etc"
    etc.mkdir(mode=0o755)
    os.chown(etc, renderer, renderer)  # the volume, as the Guichet image makes it
    with monkeypatch.context() as as_user:
        as_user.setattr(os, "geteuid", lambda: renderer)
        write_config(files, etc, 0, 0)
    for path in etc.iterdir():  # what the kernel does for a process of that user
        os.chown(path, renderer, renderer)
    assert stat.S_IMODE(etc.stat().st_mode) == 0o755  # the volume's mode is its owner's
    for name in files:
        mode = stat.S_IMODE((etc / name).stat().st_mode)
        assert mode == (0o640 if name in PRIVATE_FILES else 0o644), name
    pjsip = etc / "pjsip.conf"
    reading = subprocess.run(
        ["cat", str(pjsip)],
        user=asterisk,
        group=asterisk,
        extra_groups=[renderer],
        capture_output=True,
    )
    assert reading.returncode == 0
    assert not _can_read(pjsip, asterisk, asterisk)  # not without that group
    # and the two images agree on that group
    repo = Path(__file__).resolve().parents[2]
    guichet_image = (repo / "Dockerfile").read_text()
    asterisk_image = (repo / "asterisk-config/Dockerfile").read_text()
    renderer_gid = re.search(r"ARG GUICHET_UID=(\d+)", guichet_image)
    joined_gid = re.search(r"ARG GUICHET_GID=(\d+)", asterisk_image)
    assert renderer_gid and joined_gid and renderer_gid.group(1) == joined_gid.group(1)
    assert "--groups guichet asterisk" in asterisk_image
