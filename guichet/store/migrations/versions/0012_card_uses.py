"""card uses: a knowledge card pinned or marked used by a desk account on a call's
case (live assist); it feeds the KPIs (answered at first level with which card) and
the knowledge editors (which cards agents reach for)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "card_uses",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "case_id", sa.String(36), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("call_id", sa.Text, nullable=False),
        sa.Column("card_id", sa.String(128), nullable=False),
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_card_uses_case", "card_uses", ["case_id"])
    op.create_index("ix_card_uses_card", "card_uses", ["card_id", "kind"])


def downgrade() -> None:
    op.drop_index("ix_card_uses_card", table_name="card_uses")
    op.drop_index("ix_card_uses_case", table_name="card_uses")
    op.drop_table("card_uses")
