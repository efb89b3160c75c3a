"""agent states: each desk account's stretches of available, paused, wrap-up and
logged out, with their times, for the KPIs

One row per stretch (``ended_at`` NULL while it lasts); the reason of a pause; the
planned end of a wrap-up (``until``); the queues the state was applied to.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agent_states",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(120), nullable=False),
        sa.Column("queues", sa.Text, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_agent_states_username_started", "agent_states", ["username", "started_at"])
    op.create_index("ix_agent_states_open", "agent_states", ["username", "ended_at"])


def downgrade() -> None:
    op.drop_index("ix_agent_states_open", table_name="agent_states")
    op.drop_index("ix_agent_states_username_started", table_name="agent_states")
    op.drop_table("agent_states")
