"""cases, case turns and proposals, callbacks, SMS outbox

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("call_id", sa.String(64), sa.ForeignKey("calls.id", ondelete="SET NULL")),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("caller_number", sa.String(20)),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("topic_card_id", sa.String(128)),
        sa.Column("topic_title", sa.String(300)),
        sa.Column("service", sa.String(64)),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("summary", sa.Text),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.Column("closed_at", _TZ),
    )
    op.create_index("ix_cases_call_id", "cases", ["call_id"])
    op.create_index("ix_cases_outcome", "cases", ["outcome"])
    op.create_table(
        "case_turns",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "case_id", sa.String(36), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("speaker", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("at", _TZ, nullable=False),
        sa.Column("card_id", sa.String(128)),
        sa.Column("confidence", sa.Float),
        sa.UniqueConstraint("case_id", "seq", name="uq_case_turns_case_seq"),
    )
    op.create_table(
        "case_proposals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "case_id", sa.String(36), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("card_id", sa.String(128), nullable=False),
        sa.Column("title", sa.String(300)),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("turn_seq", sa.Integer),
        sa.Column("at", _TZ, nullable=False),
    )
    op.create_index("ix_case_proposals_case_id", "case_proposals", ["case_id"])
    op.create_table(
        "callbacks",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("reference", sa.String(16), nullable=False, unique=True),
        sa.Column(
            "case_id", sa.String(36), sa.ForeignKey("cases.id", ondelete="RESTRICT"), nullable=False
        ),
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("service", sa.String(64)),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("requested_at", _TZ, nullable=False),
        sa.Column("due_by", _TZ, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("done_at", _TZ),
        sa.Column("done_by", sa.String(64)),
        sa.Column("note", sa.Text),
    )
    op.create_index("ix_callbacks_status_due", "callbacks", ["status", "due_by"])
    op.create_index("ix_callbacks_case_id", "callbacks", ["case_id"])
    op.create_table(
        "sms_outbox",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("idempotency_key", sa.String(128), nullable=False, unique=True),
        sa.Column("to_number", sa.String(20), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", _TZ, nullable=False),
        sa.Column("claimed_at", _TZ),
        sa.Column("claim_token", sa.String(36)),
        sa.Column("provider_sid", sa.String(64)),
        sa.Column("last_error", sa.String(300)),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("sent_at", _TZ),
    )
    op.create_index("ix_sms_outbox_status_next", "sms_outbox", ["status", "next_attempt_at"])
    op.create_index("ix_sms_outbox_to_sent", "sms_outbox", ["to_number", "sent_at"])


def downgrade() -> None:
    op.drop_index("ix_sms_outbox_to_sent", table_name="sms_outbox")
    op.drop_index("ix_sms_outbox_status_next", table_name="sms_outbox")
    op.drop_table("sms_outbox")
    op.drop_index("ix_callbacks_case_id", table_name="callbacks")
    op.drop_index("ix_callbacks_status_due", table_name="callbacks")
    op.drop_table("callbacks")
    op.drop_index("ix_case_proposals_case_id", table_name="case_proposals")
    op.drop_table("case_proposals")
    op.drop_table("case_turns")
    op.drop_index("ix_cases_outcome", table_name="cases")
    op.drop_index("ix_cases_call_id", table_name="cases")
    op.drop_table("cases")
