"""Loading a call flow file, with errors that name the file and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from guichet.settings import Settings
from ivr_flows.errors import FlowError
from ivr_flows.model import Flow

DEFAULT_FLOW = Path(__file__).resolve().parent / "default.yaml"


class _FlowLoader(yaml.SafeLoader):
    """YAML without implicit timestamps: dates stay strings so that pydantic checks
    them and a bad one (``2026-13-01``) is reported with its field path."""


_FlowLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def flow_path(settings: Settings) -> Path:
    return (settings.flow_file or DEFAULT_FLOW).expanduser().resolve()


def load_flow_for(settings: Settings) -> Flow:
    """The flow named by the ``flow_file`` setting (default: the packaged demo)."""
    return load_flow(flow_path(settings))


def load_flow(path: Path) -> Flow:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FlowError(path.name, "", f"cannot read the file: {exc.strerror}") from exc
    return parse_flow(text, path.name)


def parse_flow(text: str, file: str = "<flow>") -> Flow:
    try:
        data = yaml.load(text, Loader=_FlowLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise FlowError(file, where, f"not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(data, dict):
        raise FlowError(file, "", "expected a mapping at the top level")
    try:
        return Flow.model_validate(data)
    except ValidationError as exc:
        # the wrong values first: "'25:00' is not a time" says more than "required"
        errors = sorted(exc.errors(), key=lambda e: e["type"] == "missing")
        first, rest = errors[0], errors[1:]
        message = "; ".join(
            [_message(first)] + [f"{field_path(e['loc'])}: {_message(e)}" for e in rest]
        )
        raise FlowError(file, field_path(first["loc"]), message) from exc


def field_path(loc: tuple[int | str, ...]) -> str:
    """``('hours', 'monday', 0)`` -> ``hours.monday[0]``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.startswith(("function-", "tagged-union[")) or "[" in part:
            continue  # pydantic's internal validator names, not the user's fields
        else:
            out += f".{part}" if out else part
    return out


def _message(err: Any) -> str:
    msg = str(err["msg"])
    # pydantic prefixes our own ValueErrors; the bare sentence reads better
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            return msg[len(prefix) :]
    if err["type"] in ("missing", "extra_forbidden"):
        return "required" if err["type"] == "missing" else "unknown field"
    return f"{msg} (got {err.get('input')!r})" if "input" in err else msg
