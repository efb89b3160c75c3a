"""routing closures: closures added for today by an operator (the wallboard)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "routing_closures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.String(64), nullable=True),
        sa.CheckConstraint("ends_at > starts_at", name="ck_routing_closures_period"),
    )
    op.create_index("ix_routing_closures_ends_at", "routing_closures", ["ends_at"])


def downgrade() -> None:
    op.drop_index("ix_routing_closures_ends_at", table_name="routing_closures")
    op.drop_table("routing_closures")
