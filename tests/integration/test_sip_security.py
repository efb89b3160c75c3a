"""Nobody becomes the trunk: SIP identification, transfers, loaded modules, AMI rights,
the ids Asterisk runs under and who can read its secrets, all on the real Asterisk 22;
then a short SIP torture run (the full one: tests/bench/bench_sip_torture.py).

Callers come from 127.0.0.1 (the trunk's address) or 127.0.0.2 (anyone else: Linux
answers on the whole 127.0.0.0/8)."""

from __future__ import annotations

import asyncio
import grp
import pwd
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from guichet.store import open_store
from pbx.ami import AmiActionFailed, AmiConfig, ami_session
from pbx.asterisk_config import NEVER_LOADED, PRIVATE_FILES
from tests.integration.stack import Stack, start_stack
from tests.support import sip_torture
from tests.support.sip_caller import place_call
from tests.support.sip_raw import Dialog, SipUdp

pytestmark = pytest.mark.asterisk

OUTSIDER = "127.0.0.2"
TRUNK = "127.0.0.1"


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    """Its own stack, in a data directory whose parent anyone may enter (pytest's own
    temporary directories are closed to others, which would hide what is checked)."""
    parent = Path(tempfile.mkdtemp(prefix="guichet-sip-security-"))
    parent.chmod(0o755)
    running = start_stack(parent / "home")
    try:
        yield running
    finally:
        running.asterisk.stop()
        shutil.rmtree(parent, ignore_errors=True)


async def test_only_the_trunk_address_makes_a_trunk_call(stack: Stack, tmp_path: Path) -> None:
    """Before: "From: sip:trunk@…" from any address was the trunk, no password asked."""
    echo = stack.sip_target(stack.settings.echo_number)
    # name: (source address, user, password)
    attempts: dict[str, tuple[str, str, str | None]] = {
        "outsider as trunk": (OUTSIDER, "trunk", None),
        "outsider as 1001 without password": (OUTSIDER, "1001", None),
        "outsider as 1001, wrong password": (OUTSIDER, "1001", "not-the-password"),
        "outsider, unknown user": (OUTSIDER, "mallory", None),
        # on the trunk's own address an agent's name is still an agent's: challenged
        "trunk address as 1001 without password": (TRUNK, "1001", None),
    }
    results = await asyncio.gather(
        *(
            place_call(
                echo,
                source_ip=source,
                user=user,
                password=password,
                listen_s=1,
                workdir=tmp_path / f"attempt-{n}",
            )
            for n, (source, user, password) in enumerate(attempts.values())
        ),
        place_call(echo, source_ip=TRUNK, listen_s=1, workdir=tmp_path / "trunk"),
    )
    *refused, trunk = results
    for name, result in zip(attempts, refused, strict=True):
        assert not result.established, f"{name}: {result.log}"
        assert result.sip_status in (401, 403), f"{name}: {result.closed_reason}\n{result.log}"
    assert trunk.established, trunk.log  # the real trunk still gets through


async def test_a_trunk_call_cannot_be_transferred(stack: Stack) -> None:
    """Before: a REFER inside a trunk call was accepted (202): Asterisk moved the call
    to whatever the caller named in the trunk's context."""
    async with SipUdp((stack.sip_host, stack.sip_port), source_ip=TRUNK) as sip:
        call = await sip.invite(stack.settings.echo_number)
        assert isinstance(call, Dialog), call
        refer = await sip.request(call.refer(f"sip:1001@{stack.sip_host}"))
        bye = await sip.request(call.bye())
    assert refer.status == 603, refer.raw
    assert bye.status == 200  # the call itself was not disturbed

    # a REFER outside any call: challenged from elsewhere, not taken from the trunk
    for source, allowed in ((OUTSIDER, {401, 403}), (TRUNK, {403, 404, 405, 481, 501})):
        async with SipUdp((stack.sip_host, stack.sip_port), source_ip=source) as sip:
            uri = sip.uri(stack.settings.echo_number)
            request = sip.build(
                "REFER",
                uri,
                call_id=f"refer-{source}",
                cseq=1,
                from_user="caller",
                from_tag="t1",
                to_uri=uri,
                extra=f"Refer-To: <sip:1001@{stack.sip_host}>\r\n",
            )
            reply = await sip.request((request, "REFER", 1))
        assert reply.status in allowed, (source, reply.raw)


def _loaded_modules(stack: Stack) -> set[str]:
    listing = stack.asterisk.cli("module show")
    return {m.group(1) for m in re.finditer(r"^(\w+)\.so\s", listing, re.MULTILINE)}


def test_no_risky_module_is_loaded(stack: Stack) -> None:
    loaded = _loaded_modules(stack)
    assert {"res_pjsip", "chan_pjsip", "app_queue", "res_ari"} <= loaded  # a real listing
    assert not loaded & set(NEVER_LOADED), loaded & set(NEVER_LOADED)


async def test_ami_grants_only_what_guichet_uses(stack: Stack) -> None:
    async with ami_session(AmiConfig.from_settings(stack.settings)) as ami:
        status = await ami.action({"Action": "QueueStatus"}, as_list=True)
        assert any(m.get("Event") == "QueueParams" for m in status)
        added = await ami.action(
            {"Action": "QueueAdd", "Queue": "reception", "Interface": "PJSIP/1002"}
        )
        assert added[0].get("Response") == "Success"
        await ami.action({"Action": "QueueRemove", "Queue": "reception", "Interface": "PJSIP/1002"})
        # before: the account could place calls and raise events of its own
        for action in (
            {"Action": "Originate", "Channel": "Local/3999@from-trunk", "Application": "Echo"},
            {"Action": "UserEvent", "UserEvent": "Spoof"},
        ):
            with pytest.raises(AmiActionFailed, match="Permission denied"):
                await ami.action(action)


def _ids(pid: int) -> dict[str, list[int]]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("Uid", "Gid", "Groups"):
            fields[name] = [int(v) for v in value.split()]
    return fields


def _host_account(uid: int) -> str | None:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return None


def _host_group(gid: int) -> str | None:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return None


def test_asterisk_runs_under_ids_no_host_account_has(stack: Stack) -> None:
    """Before: the root's asterisk user had uid 101, on this machine the host's
    postgres (``ps`` showed Asterisk running as postgres), and gid 101, _ssh."""
    pid = stack.asterisk.status().pid
    assert pid is not None
    ids = _ids(pid)
    assert set(ids["Uid"]) != {0}  # it dropped root
    assert [_host_account(uid) for uid in set(ids["Uid"])] == [None], ids
    assert {_host_group(gid) for gid in set(ids["Gid"]) | set(ids["Groups"])} == {None}, ids


def _instance_secrets(stack: Stack) -> list[Path]:
    inst = stack.asterisk.inst_dir
    open_store(stack.settings.store_url).close()  # it exists once anything opened it
    files = [
        stack.secrets_path,
        Path(stack.settings.store_url.removeprefix("sqlite:///")),
        *(inst / "etc" / name for name in sorted(PRIVATE_FILES)),
        inst / "db" / "astdb.sqlite3",
        inst / "log" / "messages.log",
    ]
    missing = [f for f in files if not f.exists()]
    assert not missing, missing
    return files


def _readable_as(uid: int, gid: int, groups: list[int], files: list[Path]) -> list[str]:
    """The files of ``files`` that a process of that account could open for reading
    (``test -r``: the kernel's answer, directories on the way included)."""
    script = 'for f; do [ -r "$f" ] && printf "%s\\n" "$f"; done; true'
    result = subprocess.run(
        ["sh", "-c", script, "sh", *map(str, files)],
        user=uid,
        group=gid,
        extra_groups=groups,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split()


def test_no_other_host_account_reads_the_secrets(stack: Stack) -> None:
    files = _instance_secrets(stack)
    readers = {}
    for account in pwd.getpwall():
        if account.pw_uid == 0:
            continue  # root reads everything anyway
        groups = [g.gr_gid for g in grp.getgrall() if account.pw_name in g.gr_mem]
        readable = _readable_as(account.pw_uid, account.pw_gid, groups, files)
        if readable:
            readers[account.pw_name] = readable
    assert readers == {}

    # and the private configuration is readable by the user Asterisk runs as
    uid, gid = stack.asterisk._ids()
    etc = stack.asterisk.inst_dir / "etc"
    assert _readable_as(uid, gid, [], [etc / n for n in sorted(PRIVATE_FILES)]) == [
        str(etc / n) for n in sorted(PRIVATE_FILES)
    ]


async def test_sip_torture_leaves_asterisk_and_the_controller_standing(
    stack: Stack, tmp_path: Path
) -> None:
    """RFC 4475's messages and 300 malformed requests from each address, then calls
    with torture caller ids that reach the controller; then a normal call works."""
    pid = stack.asterisk.status().pid
    controller = await stack.start_controller()
    try:
        target = (stack.sip_host, stack.sip_port)
        for source in (TRUNK, OUTSIDER):
            async with SipUdp(target, source_ip=source) as sip:
                to = sip_torture.Addresses(stack.sip_host, stack.sip_port, source, sip.local_port)
                messages = sip_torture.rfc4475(to) + sip_torture.malformed(4475, 300, to)
                report = await sip_torture.send(sip, messages, deadline_s=60)
            assert report.sent == len(messages), report.as_json()
            assert report.probes_unanswered == 0, report.as_json()  # answered all along
            assert report.responses["4xx"] > 0  # it did read them

        async with SipUdp(target, source_ip=TRUNK) as sip:
            statuses = await sip_torture.odd_callers(sip, stack.settings.city_number)
        # each answered by the controller, then hung up
        assert statuses == [200] * len(sip_torture.ODD_CALLERS)
        started = [line for line in controller.lines if re.search(r"call \S+ started", line)]
        assert len(started) == len(statuses), controller.output

        assert controller.returncode is None, controller.output
        assert "Traceback" not in controller.output, controller.output
        assert stack.asterisk.status().pid == pid  # never restarted
        mark = len(controller.lines)
        result = await place_call(
            stack.sip_target(stack.settings.city_number), listen_s=2, workdir=tmp_path
        )
        assert result.established, result.log
        await controller.wait_for_line(r"call \S+ ended", timeout=30, start=mark)
    finally:
        code = await controller.stop()
    assert code == 0, controller.output
