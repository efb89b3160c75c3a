"""The store: SQLAlchemy 2 models, Alembic migrations, and the engine factory."""

from guichet.store.db import Store, open_store

__all__ = ["Store", "open_store"]
