"""What SQLite and PostgreSQL say differently: the key a timestamp is grouped by
(its local day, see :func:`day_key`), and the seconds between two timestamps."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Float, case, cast, func
from sqlalchemy.sql.elements import ColumnElement

__all__ = ["day_key", "seconds_between"]


def day_key(column: Any, dialect: str, zone: str, edge_hours: Iterable[int]) -> ColumnElement[str]:
    """The text a timestamp column is grouped by, for its local day.

    PostgreSQL knows the zones: the local date itself, ``YYYY-MM-DD``. SQLite keeps
    the UTC value as text (``YYYY-MM-DD HH:MM:SS.ffffff``,
    guichet.store.models.UtcDateTime) and knows no zone: its key is the UTC date,
    except in ``edge_hours`` (the UTC hours whose local date is not the UTC date for
    some offset of the period: 22 and 23 in Paris), where it is the UTC hour
    ``YYYY-MM-DD HH``; :meth:`guichet.kpis.period.Period.day_of` turns either into
    the local day. Few groups per day, whatever the number of rows."""
    if dialect == "postgresql":
        return func.to_char(func.timezone(zone, column), "YYYY-MM-DD")
    edges = sorted({f"{h:02d}" for h in edge_hours})
    if not edges:
        return func.substr(column, 1, 10)
    return case(
        (func.substr(column, 12, 2).in_(edges), func.substr(column, 1, 13)),
        else_=func.substr(column, 1, 10),
    )


def seconds_between(start: Any, end: Any, dialect: str) -> ColumnElement[float]:
    if dialect == "postgresql":
        return cast(func.extract("epoch", end - start), Float)
    return (func.julianday(end) - func.julianday(start)) * 86400.0
