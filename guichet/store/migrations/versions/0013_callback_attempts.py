"""callback attempts: each time an expert calls a citizen back (click-to-call) and
what came of it (reached and solved, reached and needs a follow-up, no answer, wrong
number); a no-answer moves the callback's ``due_by`` to the next attempt

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "callback_attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "callback_id",
            sa.String(36),
            sa.ForeignKey("callbacks.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("started_at", _TZ, nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=True),
        sa.Column("outcome", sa.String(24), nullable=True),
        sa.Column("ended_at", _TZ, nullable=True),
        sa.Column("next_due_by", _TZ, nullable=True),
        sa.UniqueConstraint("callback_id", "seq", name="uq_callback_attempts_seq"),
    )
    op.create_index("ix_callback_attempts_callback", "callback_attempts", ["callback_id"])


def downgrade() -> None:
    op.drop_index("ix_callback_attempts_callback", table_name="callback_attempts")
    op.drop_table("callback_attempts")
