"""Alembic environment: the engine is handed in by ``guichet.store.db.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from guichet.store.models import Base

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):  # pragma: no cover - only via guichet.store
    raise TypeError("run migrations through guichet.store.db.migrate")

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
