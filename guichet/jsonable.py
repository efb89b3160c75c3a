"""Dataclasses made JSON-ready, the one way the events, the case file and the web
answers all write them: datetimes in ISO 8601, enums by their value, tuples as lists."""

from __future__ import annotations

import dataclasses
import datetime as dt
from enum import Enum
from typing import Any

__all__ = ["dataclass_json", "json_ready"]


def json_ready(value: Any) -> Any:
    """``value`` with every datetime, enum and tuple inside it made JSON-ready."""
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def dataclass_json(instance: Any) -> dict[str, Any]:
    """A dataclass instance as a JSON-ready dict (its fields, recursively)."""
    return dict(json_ready(dataclasses.asdict(instance)))
