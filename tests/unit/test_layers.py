"""The layering of docs ARCHITECTURE.md ("Layering (checked by a test)"), checked on
the source: every import between Guichet's packages is an arrow, and an arrow the
table does not allow, or a cycle between packages, fails here with file:line.

An arrow is any import the interpreter could run: at module level or inside a
function, absolute or relative, ``importlib.import_module("…")`` with a literal
name, and a ``"module:attribute"`` string naming one of our modules (the shell's
lazy sub-command table)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("guichet", "pbx", "voicebot", "knowledge", "ivr_flows", "agent_softphone")
SHELL = "guichet.shell"


class Face(Enum):
    ANY = "any module"
    PUBLIC = "its public face only"


# layer -> the layers it may import, and how far in. Missing: forbidden.
ALLOWED: dict[str, dict[str, Face]] = {
    "core": {},
    "knowledge": {"core": Face.ANY},
    "ivr_flows": {"core": Face.ANY},
    "voicebot": {"core": Face.ANY, "knowledge": Face.PUBLIC},
    "pbx": {
        "core": Face.ANY,
        "voicebot": Face.PUBLIC,
        "ivr_flows": Face.ANY,
        "knowledge": Face.PUBLIC,
    },
    "agent_softphone": {"core": Face.ANY, "knowledge": Face.PUBLIC, "voicebot": Face.PUBLIC},
    "shell": {
        layer: Face.ANY
        for layer in ("core", "knowledge", "ivr_flows", "voicebot", "pbx", "agent_softphone")
    },
}

_ENTRY_POINT = re.compile(r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):[A-Za-z_]\w*")


def layer_of(module: str) -> str | None:
    """The layer a module belongs to; None for the standard library and third parties."""
    top = module.split(".", maxsplit=1)[0]
    if top not in PACKAGES:
        return None
    if top == "guichet":
        return "shell" if module == SHELL or module.startswith(SHELL + ".") else "core"
    return top


def public_face(module: str) -> str:
    """The package whose ``__init__`` is the face of ``module``'s layer."""
    return SHELL if layer_of(module) == "shell" else module.split(".", maxsplit=1)[0]


@dataclass(frozen=True)
class Arrow:
    file: str  # relative to the scanned root
    line: int
    source: str  # module
    target: str  # module (the deepest one the import names)

    @property
    def from_layer(self) -> str:
        layer = layer_of(self.source)
        assert layer is not None
        return layer

    @property
    def to_layer(self) -> str | None:
        return layer_of(self.target)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.source} -> {self.target}"


class Tree:
    """The modules under ``root`` (one folder per package)."""

    def __init__(self, root: Path, packages: tuple[str, ...] = PACKAGES) -> None:
        self.root = root
        self.packages = packages

    def files(self) -> Iterator[tuple[Path, str, bool]]:
        """(path, module name, is a package) for every .py file of the packages."""
        for package in self.packages:
            for path in sorted((self.root / package).rglob("*.py")):
                parts = path.relative_to(self.root).with_suffix("").parts
                is_package = parts[-1] == "__init__"
                yield path, ".".join(parts[:-1] if is_package else parts), is_package

    def is_module(self, name: str) -> bool:
        path = self.root.joinpath(*name.split("."))
        return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()

    def arrows(self) -> list[Arrow]:
        found: set[Arrow] = set()  # `from m import a, b` is one arrow
        for path, module, is_package in self.files():
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            rel = str(path.relative_to(self.root))
            for line, target in self._imports(tree, module, is_package):
                if layer_of(target) is not None:
                    found.add(Arrow(rel, line, module, target))
        return sorted(found, key=lambda a: (a.file, a.line, a.target))

    def _imports(self, tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
        # ast.walk: function-level (lazy) imports count as much as module-level ones
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield node.lineno, alias.name
            elif isinstance(node, ast.ImportFrom):
                base = self._resolve(node, module, is_package)
                for alias in node.names:
                    # `from pkg import sub` names the submodule; `from pkg import X`, pkg
                    sub = f"{base}.{alias.name}"
                    yield node.lineno, sub if self.is_module(sub) else base
            elif isinstance(node, ast.Call) and _is_import_module(node.func):
                if node.args and isinstance(node.args[0], ast.Constant):
                    name = node.args[0].value
                    if isinstance(name, str):
                        yield node.lineno, name
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                match = _ENTRY_POINT.fullmatch(node.value)
                if match and self.is_module(match.group(1)):
                    yield node.lineno, match.group(1)

    @staticmethod
    def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
        if node.level == 0:
            return node.module or ""
        package = module.split(".") if is_package else module.split(".")[:-1]
        anchor = package[: len(package) - (node.level - 1)]
        return ".".join([*anchor, node.module] if node.module else anchor)


def _is_import_module(func: ast.expr) -> bool:
    if isinstance(func, ast.Attribute):
        return func.attr == "import_module"
    return isinstance(func, ast.Name) and func.id in ("import_module", "__import__")


def violations(arrows: list[Arrow]) -> list[str]:
    """One readable line per arrow the table forbids."""
    problems: list[str] = []
    for arrow in arrows:
        src, dst = arrow.from_layer, arrow.to_layer
        if dst is None or src == dst:
            continue
        rule = ALLOWED[src].get(dst)
        may = ", ".join(f"{k} ({v.value})" for k, v in ALLOWED[src].items()) or "nothing of ours"
        if rule is None:
            problems.append(f"{arrow}: {src} may not import {dst} ({src} may import: {may})")
        elif rule is Face.PUBLIC and arrow.target != public_face(arrow.target):
            face = public_face(arrow.target)
            problems.append(
                f"{arrow}: {src} may import only {dst}'s public face "
                f"(`from {face} import …`, its __all__), not {arrow.target}"
            )
    return problems


def cycles(arrows: list[Arrow]) -> list[str]:
    """Each group of layers that import one another (Tarjan's strongly connected
    components), with one arrow per edge of the group as evidence."""
    edges: dict[str, dict[str, Arrow]] = {}
    for arrow in arrows:
        dst = arrow.to_layer
        if dst is not None and dst != arrow.from_layer:
            edges.setdefault(arrow.from_layer, {}).setdefault(dst, arrow)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in edges.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group: list[str] = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    report: list[str] = []
    for group in groups:
        evidence = [f"    {edges[a][b]}" for a in group for b in group if b in edges.get(a, {})]
        report.append(f"cycle between {', '.join(group)}:\n" + "\n".join(evidence))
    return report


# --- the real tree ---


def test_no_arrow_the_architecture_forbids() -> None:
    problems = violations(Tree(REPO).arrows())
    assert not problems, "imports against ARCHITECTURE.md's layering:\n" + "\n".join(problems)


def test_no_cycle_between_packages() -> None:
    found = cycles(Tree(REPO).arrows())
    assert not found, "\n".join(found)


def test_the_checker_sees_the_real_arrows() -> None:
    """Guards against a scan that finds nothing and passes vacuously."""
    arrows = Tree(REPO).arrows()
    pairs = {(a.from_layer, a.to_layer) for a in arrows}
    assert ("pbx", "ivr_flows") in pairs and ("ivr_flows", "core") in pairs
    # the lazy sub-command table: the shell reaches every package through it
    table = {a.target for a in arrows if a.source == "guichet.shell.cli"}
    assert {"pbx.runtime_cli", "knowledge.cli", "voicebot.cli"} <= table


FACES = ("guichet", "ivr_flows", "knowledge", "pbx", "pbx.ari", "pbx.ami", "pbx.media")


def _declared_all(init: Path) -> list[str]:
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                assert node.value is not None
                return [str(v) for v in ast.literal_eval(node.value)]
    return []


@pytest.mark.parametrize("package", FACES)
def test_each_package_declares_its_public_face(package: str) -> None:
    tree = Tree(REPO)
    names = _declared_all(REPO.joinpath(*package.split("."), "__init__.py"))
    assert names, f"{package}/__init__.py has no __all__"
    # `from pkg import x` gives the submodule x once it is imported, not the face's x
    shadowed = [n for n in names if tree.is_module(f"{package}.{n}")]
    assert not shadowed, f"{package}.__all__ names submodules: {shadowed}"


# --- the checker itself, on a small tree written for it ---


def _write(root: Path, files: dict[str, str]) -> Tree:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return Tree(root)


def test_checker_catches_forbidden_arrows_and_a_cycle(tmp_path: Path) -> None:
    tree = _write(
        tmp_path,
        {
            "guichet/__init__.py": "",
            "guichet/settings.py": "",
            "guichet/shell/__init__.py": "",
            "guichet/shell/cli.py": 'TABLE = {"flows": "ivr_flows.rules:flows"}\n',
            "ivr_flows/__init__.py": "",
            "ivr_flows/rules.py": (
                "from guichet import settings\n"
                "from . import other\n"
                "def sync():\n"
                "    from pbx.astdb import put  # lazy, still an arrow\n"
            ),
            "ivr_flows/other.py": "",
            "pbx/__init__.py": "",
            "pbx/astdb.py": "from ivr_flows.rules import sync\n",
            "knowledge/__init__.py": "",
            "knowledge/cards.py": "",
            "voicebot/__init__.py": "",
            "voicebot/dialog.py": (
                "import importlib\n"
                "from knowledge import Answer\n"
                "from knowledge import cards\n"
                "def later():\n"
                '    return importlib.import_module("agent_softphone.app")\n'
            ),
            "agent_softphone/__init__.py": "",
            "agent_softphone/app.py": "import pbx.astdb\n",
        },
    )
    arrows = tree.arrows()
    problems = violations(arrows)
    assert problems == [
        "agent_softphone/app.py:1: agent_softphone.app -> pbx.astdb: agent_softphone may not "
        "import pbx (agent_softphone may import: core (any module), knowledge (its public "
        "face only), voicebot (its public face only))",
        "ivr_flows/rules.py:4: ivr_flows.rules -> pbx.astdb: ivr_flows may not import pbx "
        "(ivr_flows may import: core (any module))",
        "voicebot/dialog.py:3: voicebot.dialog -> knowledge.cards: voicebot may import only "
        "knowledge's public face (`from knowledge import …`, its __all__), not knowledge.cards",
        "voicebot/dialog.py:5: voicebot.dialog -> agent_softphone.app: voicebot may not "
        "import agent_softphone (voicebot may import: core (any module), knowledge (its "
        "public face only))",
    ]
    # what is allowed is seen, and is not reported
    seen = {(a.source, a.target) for a in arrows}
    assert ("ivr_flows.rules", "guichet.settings") in seen  # `from pkg import module`
    assert ("ivr_flows.rules", "ivr_flows.other") in seen  # relative, resolved
    assert ("voicebot.dialog", "knowledge") in seen  # the public face
    assert ("guichet.shell.cli", "ivr_flows.rules") in seen  # the lazy table
    assert cycles(arrows) == [
        "cycle between ivr_flows, pbx:\n"
        "    ivr_flows/rules.py:4: ivr_flows.rules -> pbx.astdb\n"
        "    pbx/astdb.py:1: pbx.astdb -> ivr_flows.rules"
    ]


def test_core_importing_the_shell_is_forbidden(tmp_path: Path) -> None:
    tree = _write(
        tmp_path,
        {
            "guichet/__init__.py": "",
            "guichet/store.py": "from guichet.shell.cli import get_settings\n",
            "guichet/shell/__init__.py": "",
            "guichet/shell/cli.py": "from guichet import store\n",
        },
    )
    arrows = tree.arrows()
    assert [p.split(": ", 2)[2] for p in violations(arrows)] == [
        "core may not import shell (core may import: nothing of ours)"
    ]
    assert len(cycles(arrows)) == 1
