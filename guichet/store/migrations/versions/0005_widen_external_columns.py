"""widen the columns that hold what Asterisk and the network hand over

PostgreSQL refuses a value longer than its column where SQLite keeps it, and a call
that cannot be saved is a call the controller does not answer: the caller ID gets no
bound (PJSIP puts none on the From user), the dialled extension and the channel
language get Asterisk's own (AST_MAX_EXTENSION, MAX_LANGUAGE); the language moves
from the call to its case and its callback, so those widen too.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, before, after); on SQLite each table is rebuilt (batch mode), with
# foreign keys off meanwhile (migrations/env.py)
_WIDENED = (
    ("calls", "caller", sa.String(64), sa.Text()),
    ("calls", "called", sa.String(64), sa.String(80)),
    ("calls", "language", sa.String(8), sa.String(40)),
    ("cases", "language", sa.String(8), sa.String(40)),
    ("callbacks", "language", sa.String(8), sa.String(40)),
)


def upgrade() -> None:
    for table in dict.fromkeys(t for t, *_ in _WIDENED):
        with op.batch_alter_table(table) as batch:
            for t, column, before, after in _WIDENED:
                if t == table:
                    batch.alter_column(column, type_=after, existing_type=before)


def downgrade() -> None:
    # PostgreSQL refuses to narrow a column that holds a longer value: the downgrade
    # then fails as a whole (the DDL is transactional) rather than cut data
    for table in dict.fromkeys(t for t, *_ in _WIDENED):
        with op.batch_alter_table(table) as batch:
            for t, column, before, after in _WIDENED:
                if t == table:
                    batch.alter_column(column, type_=before, existing_type=after)
