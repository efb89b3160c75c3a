"""queue events (queue KPIs)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "queue_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("caller_id", sa.String(64)),
        sa.Column("member", sa.String(128)),
        sa.Column("wait_s", sa.Float),
        sa.Column("talk_s", sa.Float),
        sa.Column("ring_s", sa.Float),
        sa.Column("reason", sa.String(128)),
    )
    op.create_index("ix_queue_events_queue_at", "queue_events", ["queue", "at"])


def downgrade() -> None:
    op.drop_index("ix_queue_events_queue_at", table_name="queue_events")
    op.drop_table("queue_events")
