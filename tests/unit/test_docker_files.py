"""The production files are safe to build, checked without a container engine:

- the build context that ``docker build .`` would send, computed by applying
  ``.dockerignore`` as Docker does (moby's patternmatcher rules), holds no data
  directory, secret, database, virtualenv, bench result or cache, and holds what
  the image's own build needs;
- the Dockerfile passes the hadolint-like rules that can be read (non-root USER,
  healthcheck, no cache left behind…), and makes the directories compose mounts
  volumes on, owned by that user;
- docker-compose.yml is checked as ``docker compose config`` would (every named
  volume declared, every variable defaulted or required) and for what matters
  here (no password in the file, ports on 127.0.0.1, health-gated start-up).

What this cannot do: build the image or start the services."""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

from guichet.settings import Settings

REPO = Path(__file__).resolve().parents[2]


# --- .dockerignore, as Docker applies it ---


@dataclass(frozen=True)
class IgnoreRule:
    pattern: str
    exception: bool  # a "!" line: include again
    regex: re.Pattern[str]

    @property
    def depth(self) -> int:
        return len(self.pattern.split("/"))


def _translate(pattern: str) -> re.Pattern[str]:
    """moby/patternmatcher's regexp for a pattern: ``*`` and ``?`` stay within one
    path component, ``**`` crosses any number of them (zero included)."""
    out = "^"
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            if pattern[i + 1 : i + 2] == "*":
                i += 1
                if pattern[i + 1 : i + 2] == "/":
                    i += 1
                out += ".*" if i + 1 >= len(pattern) else "(.*/)?"
            else:
                out += "[^/]*"
        elif ch == "?":
            out += "[^/]"
        elif ch == "\\" and i + 1 < len(pattern):
            i += 1
            out += re.escape(pattern[i])
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out += re.escape(ch)
            else:
                out += pattern[i : end + 1]
                i = end
        elif ch in ".+()|{}$^":
            out += "\\" + ch
        else:
            out += ch
        i += 1
    return re.compile(out + "$")


def parse_dockerignore(text: str) -> list[IgnoreRule]:
    rules = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        if exception:
            line = line[1:].strip()
        pattern = os.path.normpath(line).replace(os.sep, "/")
        if len(pattern) > 1 and pattern.startswith("/"):
            pattern = pattern[1:]
        rules.append(IgnoreRule(pattern, exception, _translate(pattern)))
    return rules


def excluded(path: str, rules: list[IgnoreRule]) -> bool:
    """Whether ``path`` (relative, with /) stays out of the context: the last rule
    that matches it, or one of its parent directories, decides."""
    parts = path.split("/")
    verdict = False
    for rule in rules:
        matched = bool(rule.regex.match(path))
        if not matched and len(parts) > 1:
            matched = bool(rule.regex.match("/".join(parts[: rule.depth])))
        if matched:
            verdict = not rule.exception
    return verdict


def build_context(root: Path) -> Iterator[str]:
    """The files ``docker build`` would send from ``root``. An excluded directory is
    not walked unless some "!" rule might include something back from inside it."""
    rules = parse_dockerignore((root / ".dockerignore").read_text(encoding="utf-8"))
    any_exception = any(rule.exception for rule in rules)
    for current, dirs, files in os.walk(root):
        rel_dir = Path(current).relative_to(root).as_posix()
        prefix = "" if rel_dir == "." else rel_dir + "/"
        kept = []
        for name in sorted(dirs):
            if Path(current, name).is_symlink():
                files.append(name)  # sent as a link, not followed
            elif any_exception or not excluded(prefix + name, rules):
                kept.append(name)
        dirs[:] = kept
        for name in sorted(files):
            if not excluded(prefix + name, rules):
                yield prefix + name


@pytest.mark.parametrize(
    ("lines", "path", "out"),
    [
        (["*.md"], "README.md", True),
        (["*.md"], "docs/a.md", False),  # one component only
        (["**/*.md"], "docs/deep/a.md", True),
        (["**/*.md"], "a.md", True),  # ** is zero directories too
        (["docs"], "docs/deep/a.md", True),  # a directory takes its contents
        (["/docs"], "docs/a.md", True),  # a leading / changes nothing
        (["docs", "!docs/keep.md"], "docs/keep.md", False),
        (["!docs/keep.md", "docs"], "docs/keep.md", True),  # the last match decides
        (["*.py[cod]"], "x.pyc", True),
        (["a?c"], "abc", True),
        (["a?c"], "a/c", False),
        (["**/.env.*"], "sub/.env.local", True),
        (["x.txt  "], "x.txt", True),  # surrounding blanks are trimmed
    ],
)
def test_the_ignore_rules_follow_docker(lines: list[str], path: str, out: bool) -> None:
    assert excluded(path, parse_dockerignore("\n".join(lines))) is out


def plant(root: Path, paths: list[str]) -> None:
    for rel in paths:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")


SENSITIVE = [
    ".guichet/secrets.json",
    ".guichet/guichet.db",
    ".guichet/guichet.db-wal",
    ".guichet/asterisk-root/etc/passwd",
    ".guichet/kb-index/chroma.sqlite3",
    "elsewhere-home/secrets.json",
    "elsewhere-home/guichet.db",
    "pbx/leftover.sqlite",
    ".env",
    ".env.production",
    "asterisk-config/dtls/asterisk.pem",
    "asterisk-config/dtls/asterisk.key",
    ".venv/bin/python",
    ".venv/lib/python3.11/site-packages/x.py",
    "bench-results/voicebot.json",
    "guichet/__pycache__/settings.cpython-311.pyc",
    ".pytest_cache/v/cache/lastfailed",
    ".mypy_cache/3.11/cache.db",
    ".ruff_cache/0.5/x",
    ".git/config",
    ".stamps/apt",
    "guichet.egg-info/PKG-INFO",
]
NEEDED = [
    "pyproject.toml",
    "README.md",  # pyproject's readme: pip refuses to build without it
    "LICENSE",
    "guichet/__init__.py",
    "guichet/store/migrations/versions/0001_calls.py",
    "pbx/__init__.py",
    "asterisk-config/pjsip.conf",  # `guichet asterisk render` reads the templates
    "ivr_flows/default.yaml",
    "knowledge/demo/cards/horaires.md",
]


def test_planted_secrets_databases_and_environments_stay_out(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_text((REPO / ".dockerignore").read_text())
    plant(tmp_path, SENSITIVE + NEEDED)
    sent = set(build_context(tmp_path))
    assert sorted(sent & set(SENSITIVE)) == []
    assert sorted(set(NEEDED) - sent) == []


def test_the_checkout_sends_no_data_secret_or_environment() -> None:
    sent = list(build_context(REPO))
    never = (".guichet/", ".venv/", ".git/", "bench-results/", ".stamps/", "build/")
    leaks = [
        path
        for path in sent
        if path.startswith(never)
        or "__pycache__/" in path
        or "_cache/" in path
        or PurePosixPath(path).name in ("secrets.json", ".env")
        or PurePosixPath(path).suffix in (".db", ".sqlite", ".sqlite3", ".pem", ".key", ".pyc")
    ]
    assert leaks == []
    # and what the image's own build reads
    for needed in ("pyproject.toml", "README.md", "LICENSE", "asterisk-config/pjsip.conf"):
        assert needed in sent
    packages = {path.split("/")[0] for path in sent if path.endswith("/__init__.py")}
    assert {"guichet", "pbx", "voicebot", "knowledge", "ivr_flows", "agent_softphone"} <= packages


# --- Dockerfile, read as hadolint would ---


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str
    line: int


def parse_dockerfile(text: str) -> list[Instruction]:
    instructions = []
    pending = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        whole = pending + stripped
        pending = ""
        keyword, _, args = whole.partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip(), start))
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


@pytest.fixture(scope="module")
def dockerfile() -> list[Instruction]:
    return parse_dockerfile((REPO / "Dockerfile").read_text(encoding="utf-8"))


def build_args(instructions: list[Instruction]) -> dict[str, str]:
    args = {}
    for ins in instructions:
        if ins.keyword == "ARG" and "=" in ins.args:
            name, _, value = ins.args.partition("=")
            args[name] = value.strip("\"'")
    return args


def expand(value: str, args: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), value)


def runs(instructions: list[Instruction]) -> list[Instruction]:
    return [ins for ins in instructions if ins.keyword == "RUN"]


def test_the_base_image_is_pinned_and_nothing_is_added_from_afar(
    dockerfile: list[Instruction],
) -> None:
    for ins in dockerfile:
        if ins.keyword == "FROM":
            image = ins.args.split()[0]
            assert ":" in image and not image.endswith(":latest"), ins  # DL3006, DL3007
        assert ins.keyword != "ADD", ins  # DL3020: COPY, and never a URL
        assert ins.keyword != "MAINTAINER", ins


def test_apt_and_pip_leave_no_cache_and_pull_no_extras(dockerfile: list[Instruction]) -> None:
    for ins in runs(dockerfile):
        if "apt-get install" in ins.args:
            assert "--no-install-recommends" in ins.args, ins  # DL3015
            assert " -y" in ins.args, ins  # DL3014
            assert "rm -rf /var/lib/apt/lists/*" in ins.args, ins  # DL3009, same layer
        if "pip install" in ins.args:
            assert "--no-cache-dir" in ins.args, ins  # DL3042
        assert "sudo " not in ins.args, ins  # DL3004
        assert " | " not in ins.args or "pipefail" in ins.args, ins  # DL4006


def test_the_image_runs_as_a_fixed_non_root_user(dockerfile: list[Instruction]) -> None:
    users = [ins for ins in dockerfile if ins.keyword == "USER"]
    assert users, "no USER: the image would run as root"  # DL3002
    last = expand(users[-1].args, build_args(dockerfile))
    uid, _, gid = last.partition(":")
    assert uid.isdigit() and int(uid) != 0, last  # numeric: runAsNonRoot can check it
    assert not gid or (gid.isdigit() and int(gid) != 0), last
    # the user exists with that id, and starts the service (USER before CMD)
    created = " ".join(expand(ins.args, build_args(dockerfile)) for ins in runs(dockerfile))
    assert re.search(rf"useradd\b[^&]*--uid\s+\"?{uid}\b", created), created
    keywords = [ins.keyword for ins in dockerfile]
    assert keywords.index("USER") < keywords.index("CMD")
    # nothing the service needs to write at run time is created after USER by root
    after_user = dockerfile[keywords.index("USER") :]
    assert not [ins for ins in after_user if ins.keyword == "RUN"], after_user


def owned_dirs(dockerfile: list[Instruction]) -> dict[str, str]:
    """Directory -> owner, for ``install -d -o OWNER … DIR…`` in RUN lines."""
    owners: dict[str, str] = {}
    for ins in runs(dockerfile):
        for command in re.split(r"&&|;", ins.args):
            words = shlex.split(command)
            if words[:2] != ["install", "-d"]:
                continue
            owner = words[words.index("-o") + 1] if "-o" in words else "root"
            skip = {"-o", "-g", "-m"}
            rest = words[2:]
            i = 0
            while i < len(rest):
                if rest[i] in skip:
                    i += 2
                    continue
                owners[rest[i]] = owner
                i += 1
    return owners


def service_user_name(dockerfile: list[Instruction]) -> str:
    created = " ".join(ins.args for ins in runs(dockerfile))
    match = re.search(r"useradd\b.*?\s(\w+)\s*(?:&&|$)", created)
    assert match, created
    return match.group(1)


def test_the_volume_is_made_and_owned_by_the_service_user_before_it_is_declared(
    dockerfile: list[Instruction],
) -> None:
    # changes to a VOLUME path after its declaration are discarded; a new named
    # volume copies the owner of the image's directory
    owners = owned_dirs(dockerfile)
    user = service_user_name(dockerfile)
    keywords = [ins.keyword for ins in dockerfile]
    for ins in dockerfile:
        if ins.keyword == "VOLUME":
            for path in ins.args.strip("[]").replace('"', "").replace(",", " ").split():
                assert owners.get(path) == user, (path, owners)
                assert keywords.index("VOLUME") > max(
                    i for i, k in enumerate(keywords) if k == "RUN"
                )


def test_the_service_has_a_healthcheck_and_exec_form_commands(
    dockerfile: list[Instruction],
) -> None:
    checks = [ins for ins in dockerfile if ins.keyword == "HEALTHCHECK"]
    assert len(checks) == 1, checks  # DL3012: one
    assert "CMD [" in checks[0].args and "guichet" in checks[0].args
    for ins in dockerfile:
        if ins.keyword in ("CMD", "ENTRYPOINT"):
            assert json.loads(ins.args), ins  # DL3025: JSON, signals reach the process


def test_no_secret_is_baked_into_the_image(dockerfile: list[Instruction]) -> None:
    for ins in dockerfile:
        if ins.keyword in ("ENV", "ARG"):
            assert not re.search(r"PASSWORD|SECRET|TOKEN|API_KEY", ins.args, re.I), ins


def test_the_speech_models_are_assembled_at_build_time(dockerfile: list[Instruction]) -> None:
    # the service user cannot write the installation: the models must be there already
    env = " ".join(ins.args for ins in dockerfile if ins.keyword == "ENV")
    models = re.search(r"GUICHET_MODELS_DIR=(\S+)", env)
    assert models, env
    user_at = [ins.keyword for ins in dockerfile].index("USER")
    assert any(
        "voicebot models" in ins.args for ins in dockerfile[:user_at] if ins.keyword == "RUN"
    )


# --- docker-compose.yml, checked as `docker compose config` would ---


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


SERVICE_KEYS = {
    "build",
    "command",
    "depends_on",
    "environment",
    "healthcheck",
    "image",
    "network_mode",
    "ports",
    "profiles",
    "restart",
    "user",
    "volumes",
}
INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def strings_in(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings_in(value)


def named_volumes(service: dict[str, Any]) -> list[tuple[str, str]]:
    mounts = []
    for spec in service.get("volumes", []):
        source, _, rest = spec.partition(":")
        if not source.startswith((".", "/", "$")):
            mounts.append((source, rest.split(":")[0]))
    return mounts


def test_compose_is_well_formed(compose: dict[str, Any]) -> None:
    assert set(compose) <= {"name", "services", "volumes", "networks", "secrets", "configs"}
    services = compose["services"]
    declared = set(compose.get("volumes") or {})
    used = set()
    for name, service in services.items():
        assert set(service) <= SERVICE_KEYS, (name, set(service) - SERVICE_KEYS)
        assert ("build" in service) != ("image" in service), name
        if "build" in service:
            assert (REPO / service["build"] / "Dockerfile").is_file(), name
        depends = service.get("depends_on", {})
        for other in depends:
            assert other in services and other != name, (name, other)
        used |= {source for source, _ in named_volumes(service)}
    assert used == declared, (used, declared)
    for text in strings_in(compose):
        # a bare $VAR or ${VAR} with nothing to fall back on is empty when unset
        for match in INTERPOLATION.finditer(text):
            assert match.group(2) in (":-", ":?"), (text, match.group(0))
        assert not re.search(r"\$[A-Za-z_]", text), text


def test_compose_holds_no_password_and_publishes_nothing_beyond_localhost(
    compose: dict[str, Any],
) -> None:
    for name, service in compose["services"].items():
        env = service.get("environment", {})
        assert isinstance(env, dict), name
        for key, value in env.items():
            if re.search(r"PASSWORD|SECRET|TOKEN", key):
                assert str(value).startswith("${"), (name, key)
            if isinstance(value, str) and "://" in value and "@" in value:
                credentials = value.split("://", 1)[1].split("@", 1)[0]
                assert "${" in credentials, (name, key)  # from .env, not written here
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (name, port)


def test_guichet_services_run_as_the_image_user_on_volumes_it_owns(
    compose: dict[str, Any], dockerfile: list[Instruction]
) -> None:
    owners = owned_dirs(dockerfile)
    user = service_user_name(dockerfile)
    ours = {n: s for n, s in compose["services"].items() if s.get("build") == "."}
    assert set(ours) == {"guichet", "guichet-config"}
    for name, service in ours.items():
        assert str(service.get("user", user)) not in ("root", "0", "0:0"), name
        for source, target in named_volumes(service):
            assert owners.get(target) == user, (name, source, target)
        env = service["environment"]
        home_mount = dict((s, t) for s, t in named_volumes(service))["guichet-data"]
        assert env["GUICHET_HOME"] == home_mount, name
        # every GUICHET_* variable is a setting Guichet knows (a typo is silent)
        for key in env:
            assert key.startswith("GUICHET_"), (name, key)
            assert key.removeprefix("GUICHET_").lower() in Settings.model_fields, key


def test_guichet_starts_once_its_dependencies_answer(
    compose: dict[str, Any], dockerfile: list[Instruction]
) -> None:
    services = compose["services"]
    guichet = services["guichet"]
    assert guichet.get("healthcheck", {}).get("test") or any(
        ins.keyword == "HEALTHCHECK" for ins in dockerfile
    )
    for dependency, condition in guichet["depends_on"].items():
        assert condition == {"condition": "service_healthy"}, dependency
        test = services[dependency].get("healthcheck", {}).get("test")
        assert test and test[0] in ("CMD", "CMD-SHELL"), dependency
    one_shot = services["guichet-config"]
    assert one_shot.get("healthcheck") == {"disable": True}
    assert one_shot.get("profiles") == ["setup"]  # not started by `docker compose up`
