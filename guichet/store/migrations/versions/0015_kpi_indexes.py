"""KPI indexes: the KPI page (guichet.kpis) reads a period of calls, cases, queue
events, callbacks, SMS, card uses and turns by their time; each gets an index on it
so that a month out of a year's 100 000 calls reads that month only

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (index, table, columns): kept in step with guichet/store/models.py
INDEXES = (
    ("ix_calls_started_at", "calls", ["started_at"]),
    ("ix_cases_created_at", "cases", ["created_at"]),
    ("ix_queue_events_kind_at", "queue_events", ["kind", "at"]),
    ("ix_queue_events_caller_kind", "queue_events", ["caller_id", "kind"]),
    ("ix_callbacks_due_by", "callbacks", ["due_by"]),
    ("ix_sms_outbox_sent_at", "sms_outbox", ["sent_at"]),
    ("ix_card_uses_at", "card_uses", ["at"]),
    ("ix_case_turns_speaker_at", "case_turns", ["speaker", "at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
