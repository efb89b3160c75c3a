"""engine incidents: what the voicebot's engines failed to do on a call, counted

A sentence the voice could not synthesize (the caller heard a short apology instead)
or a stand-in voice: one row each, written by the call side, counted by ``guichet
status``. No text, only the engine, the kind, the language and the call's channel id;
purged with the audit rows.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "engine_incidents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("engine", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("lang", sa.String(40), nullable=True),
        sa.Column("call_id", sa.Text, nullable=True),
    )
    op.create_index("ix_engine_incidents_at", "engine_incidents", ["at"])


def downgrade() -> None:
    op.drop_index("ix_engine_incidents_at", table_name="engine_incidents")
    op.drop_table("engine_incidents")
