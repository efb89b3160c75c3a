"""Engine incident rows name a call (its channel id): the purge removes them with the
audit log's retention, and keeps the younger ones (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from guichet.incidents import record_incident
from guichet.privacy import RetentionPolicy, purge
from guichet.store import Store
from guichet.store.models import EngineIncident

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
POLICY = RetentionPolicy(
    transcripts=timedelta(days=90),
    sms=timedelta(days=30),
    numbers=timedelta(days=30),
    audit=timedelta(days=365),
)
HOUR = timedelta(hours=1)


def test_incidents_go_with_the_audit_rows(store: Store) -> None:
    record_incident(store, engine="tts", kind="failed", call_id="old", at=NOW - POLICY.audit - HOUR)
    record_incident(store, engine="tts", kind="failed", call_id="new", at=NOW - POLICY.audit + HOUR)
    # older than every other limit, younger than the audit's: kept
    record_incident(store, engine="tts", kind="timeout", call_id="mid", at=NOW - 100 * 24 * HOUR)

    purged = purge(store, POLICY, now=NOW)

    with store.session() as session:
        left = set(session.scalars(sa.select(EngineIncident.call_id)))
    assert left == {"new", "mid"}
    assert purged.incidents == 1
    assert purge(store, POLICY, now=NOW).incidents == 0
