"""The migrations against the models, on SQLite and on PostgreSQL (``db_url``)."""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from guichet.store import open_store
from guichet.store.db import alembic_config, make_engine
from guichet.store.models import Base, Call, Callback, CallEvent, Case, CaseTurn

MODELS = set(Base.metadata.tables)  # routing_mode is ivr_flows' own (Core) table


def _differences(engine: sa.Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_name": lambda name, kind, _parent: kind != "table" or name in MODELS,
                "include_object": lambda _obj, name, kind, _refl, _other: (
                    kind != "table" or name in MODELS
                ),
            },
        )
        return list(compare_metadata(context, Base.metadata))


def test_migrations_match_models_and_downgrade(db_url: str) -> None:
    engine = make_engine(db_url)
    config = alembic_config(engine)
    command.upgrade(config, "head")
    assert _differences(engine) == []
    command.downgrade(config, "base")  # every revision's downgrade runs
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(config, "head")
    assert _differences(engine) == []
    engine.dispose()


def test_widening_keeps_rows_and_links(db_url: str) -> None:
    """0005 rebuilds `calls`, `cases` and `callbacks` on SQLite: with foreign keys on,
    dropping the old `calls` would delete its events and unlink its case."""
    engine = make_engine(db_url)
    command.upgrade(alembic_config(engine), "0004")
    at = datetime(2026, 11, 24, 19, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            Call.__table__.insert(),  # type: ignore[attr-defined]
            {"id": "c1", "caller": "0612345678", "language": "fr", "state": "ended",
             "state_data": {}, "started_at": at},
        )  # fmt: skip
        connection.execute(
            CallEvent.__table__.insert(),  # type: ignore[attr-defined]
            {"call_id": "c1", "at": at, "kind": "call.started", "data": {}},
        )
        connection.execute(
            Case.__table__.insert(),  # type: ignore[attr-defined]
            {"id": "k1", "call_id": "c1", "channel": "phone", "language": "fr",
             "outcome": "callback", "created_at": at, "updated_at": at},
        )  # fmt: skip
        connection.execute(
            CaseTurn.__table__.insert(),  # type: ignore[attr-defined]
            {"case_id": "k1", "seq": 1, "speaker": "caller", "text": "allô", "at": at},
        )
        connection.execute(
            Callback.__table__.insert(),  # type: ignore[attr-defined]
            {"id": "b1", "reference": "CB-23456", "case_id": "k1", "number": "+33612345678",
             "language": "fr", "requested_at": at, "due_by": at, "status": "pending"},
        )  # fmt: skip
    engine.dispose()

    store = open_store(db_url)  # migrates to head
    with store.session() as s:
        call = s.get(Call, "c1")
        assert call is not None and [e.kind for e in call.events] == ["call.started"]
        case = s.get(Case, "k1")
        assert (
            case is not None and case.call_id == "c1" and [t.text for t in case.turns] == ["allô"]
        )
        assert s.scalars(sa.select(Callback.reference)).all() == ["CB-23456"]
        if store.engine.dialect.name == "sqlite":  # back on for the store's sessions
            assert s.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
    store.close()
