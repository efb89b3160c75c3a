"""the desk's cases: who was rung for and answered each queued call, and the wrap-up

``case_agents``: one row per desk account rung for a call (app_queue's AgentCalled),
with when it answered (AgentConnect) and when its leg ended (AgentComplete); the
per-object rules of the web app and the desk KPIs read it. ``cases`` gains the
wrap-up the agent records in one click (answered at the first level with the card
used, escalated to a service, callback, transferred; a wrap-up code) and its times:
handle time (answered to the end of the agent's leg) and wrap-up time.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TZ = sa.DateTime(timezone=True)

_CASE_COLUMNS = (
    ("handled_by", sa.String(64)),
    ("desk_answered_at", _TZ),
    ("desk_ended_at", _TZ),
    ("wrapup_action", sa.String(16)),
    ("wrapup_code", sa.String(64)),
    ("first_level", sa.Boolean()),
    ("card_used", sa.String(128)),
    ("escalated_to", sa.Text()),
    ("transferred_to", sa.Text()),
    ("wrapped_up_at", _TZ),
    ("wrapped_up_by", sa.String(64)),
    ("handle_s", sa.Float()),
    ("wrapup_s", sa.Float()),
)


def upgrade() -> None:
    # nullable columns: SQLite adds them without rebuilding the table
    for name, kind in _CASE_COLUMNS:
        op.add_column("cases", sa.Column(name, kind, nullable=True))
    op.create_index("ix_cases_wrapup_action", "cases", ["wrapup_action"])
    op.create_table(
        "case_agents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("call_id", sa.Text, nullable=False),
        sa.Column(
            "case_id", sa.String(36), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("username", sa.Text, nullable=False),
        sa.Column("queue", sa.Text, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("rung_at", _TZ, nullable=False),
        sa.Column("answered_at", _TZ),
        sa.Column("ended_at", _TZ),
        sa.UniqueConstraint("call_id", "username", name="uq_case_agents_call_username"),
    )
    op.create_index("ix_case_agents_username", "case_agents", ["username"])
    op.create_index("ix_case_agents_case_id", "case_agents", ["case_id"])
    op.create_index("ix_case_agents_call_id", "case_agents", ["call_id"])


def downgrade() -> None:
    op.drop_index("ix_case_agents_call_id", table_name="case_agents")
    op.drop_index("ix_case_agents_case_id", table_name="case_agents")
    op.drop_index("ix_case_agents_username", table_name="case_agents")
    op.drop_table("case_agents")
    op.drop_index("ix_cases_wrapup_action", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        for name, _kind in reversed(_CASE_COLUMNS):
            batch.drop_column(name)
