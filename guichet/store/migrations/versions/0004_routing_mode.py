"""routing mode: the operators' day/night/auto override

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # one row (id = 1); no row means "auto"
    op.create_table(
        "routing_mode",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("mode IN ('day', 'night', 'auto')", name="ck_routing_mode_mode"),
        sa.CheckConstraint("id = 1", name="ck_routing_mode_single_row"),
    )


def downgrade() -> None:
    op.drop_table("routing_mode")
