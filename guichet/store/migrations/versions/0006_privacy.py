"""privacy: the audit log, and indexes to find a citizen's data by phone number

Every read of a case through the web app, every export, erasure and purge leaves an
audit row (guichet.privacy.audit); the rows hold no personal data (a case id, a masked
number). A citizen's export and erasure look their cases and callbacks up by number:
indexed, so they do not read every row of the store.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("object", sa.String(128), nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_object", "audit_log", ["object"])
    op.create_index("ix_cases_caller_number", "cases", ["caller_number"])
    op.create_index("ix_callbacks_number", "callbacks", ["number"])


def downgrade() -> None:
    op.drop_index("ix_callbacks_number", table_name="callbacks")
    op.drop_index("ix_cases_caller_number", table_name="cases")
    op.drop_index("ix_audit_log_object", table_name="audit_log")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
