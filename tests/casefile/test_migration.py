from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from guichet.store.db import alembic_config, make_engine
from guichet.store.models import Base

MINE = {"cases", "case_turns", "case_proposals", "callbacks", "sms_outbox"}


def test_migration_0002_matches_models_and_downgrades(db_url: str) -> None:
    engine = make_engine(db_url)
    config = alembic_config(engine)
    command.upgrade(config, "0002")  # later revisions belong to other parts
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_name": lambda name, kind, _parent: kind != "table" or name in MINE,
                "include_object": lambda _obj, name, kind, _refl, _other: (
                    kind != "table" or name in MINE
                ),
            },
        )
        assert compare_metadata(context, Base.metadata) == []
    command.downgrade(config, "0001")
    command.upgrade(config, "0002")
    engine.dispose()
