"""widen the identifiers and labels that come from outside Guichet

0005 widened what a caller hands over; what Asterisk, its AMI, an agent or the SMS
provider hands over was still held in 64 or 128 characters, which PostgreSQL
enforces (SQLite does not): the channel id that keys a call (and the two columns
that point at it), the queue events' channel id, queue, member and reason, the name
of whoever closed a callback, the provider's message id, and a case's or callback's
service (a slug the city writes, of no fixed length). Guichet's own names (end
reasons, event kinds, states, outcomes) and the audit log's actor, which the audit
refuses past its limit rather than cut, keep their bounds.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, before, after); on SQLite each table is rebuilt (batch mode), with
# foreign keys off meanwhile (migrations/env.py). `calls.id` goes first: PostgreSQL
# checks each foreign key against the column it points at as the types change.
_WIDENED = (
    ("calls", "id", sa.String(64), sa.Text()),
    ("call_events", "call_id", sa.String(64), sa.Text()),
    ("cases", "call_id", sa.String(64), sa.Text()),
    ("cases", "service", sa.String(64), sa.Text()),
    ("callbacks", "service", sa.String(64), sa.Text()),
    ("callbacks", "done_by", sa.String(64), sa.Text()),
    ("sms_outbox", "provider_sid", sa.String(64), sa.Text()),
    ("queue_events", "queue", sa.String(64), sa.Text()),
    ("queue_events", "caller_id", sa.String(64), sa.Text()),
    ("queue_events", "member", sa.String(128), sa.Text()),
    ("queue_events", "reason", sa.String(128), sa.Text()),
)


def _alter(narrow: bool) -> None:
    tables = list(dict.fromkeys(t for t, *_ in _WIDENED))
    for table in reversed(tables) if narrow else tables:
        with op.batch_alter_table(table) as batch:
            for t, column, before, after in _WIDENED:
                if t == table:
                    if narrow:
                        batch.alter_column(column, type_=before, existing_type=after)
                    else:
                        batch.alter_column(column, type_=after, existing_type=before)


def upgrade() -> None:
    _alter(narrow=False)


def downgrade() -> None:
    # PostgreSQL refuses to narrow a column that holds a longer value: the downgrade
    # then fails as a whole (the DDL is transactional) rather than cut data
    _alter(narrow=True)
