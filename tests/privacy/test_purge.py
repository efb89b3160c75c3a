"""The retention purge: each kind of personal data goes once older than its limit,
and nothing else does (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from guichet.privacy import AuditAction, Purged, RetentionPolicy, purge, serve_privacy_purge
from guichet.privacy.audit import audit_trail
from guichet.settings import Settings
from guichet.store import Store
from guichet.store.models import Call, Callback, Case, CaseProposal, CaseTurn, SmsOutboxRow
from tests.privacy.seed import add_audit, add_call, add_callback, add_case, add_sms

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
POLICY = RetentionPolicy(
    transcripts=timedelta(days=90),
    sms=timedelta(days=30),
    numbers=timedelta(days=30),
    audit=timedelta(days=365),
)
HOUR = timedelta(hours=1)
OLD_T = NOW - POLICY.transcripts - HOUR  # just past each limit…
NEW_T = NOW - POLICY.transcripts + HOUR  # …and just inside it
OLD_N = NOW - POLICY.numbers - HOUR
NEW_N = NOW - POLICY.numbers + HOUR
OLD_S = NOW - POLICY.sms - HOUR
NEW_S = NOW - POLICY.sms + HOUR
OLD_A = NOW - POLICY.audit - HOUR
NEW_A = NOW - POLICY.audit + HOUR
ALICE, BOB, CAROL = "+33612345678", "+33698765432", "+33611223344"


def turns_of(store: Store, case_id: str) -> list[str]:
    with store.session() as session:
        return list(
            session.scalars(
                sa.select(CaseTurn.text).where(CaseTurn.case_id == case_id).order_by(CaseTurn.seq)
            )
        )


def case(store: Store, case_id: str) -> Case:
    with store.session() as session:
        found = session.get(Case, case_id)
        assert found is not None
        return found


def test_transcripts_summaries_and_notes_go_after_their_limit(store: Store) -> None:
    old = add_case(store, number=None, updated=OLD_T, words=("Mon fils est né hier",))
    young = add_case(store, number=None, updated=NEW_T, words=("Je déménage le 3 mai",))
    old_cb = add_callback(store, old, number=ALICE, requested=OLD_T, note="rappelé, absent")
    young_cb = add_callback(store, young, number=BOB, requested=NEW_T, note="à rappeler")

    purged = purge(store, POLICY, now=NOW)

    assert turns_of(store, old) == [] and case(store, old).summary is None
    assert turns_of(store, young) == ["Je déménage le 3 mai"]
    assert case(store, young).summary == "L'usager demande les horaires."
    with store.session() as session:
        notes = dict(session.execute(sa.select(Callback.id, Callback.note)).all())
        proposals = session.scalars(sa.select(CaseProposal.case_id)).all()
    assert notes == {old_cb: None, young_cb: "à rappeler"}
    # what is not personal stays: the statistics still count the old case
    assert sorted(proposals) == sorted([old, young])
    assert case(store, old).outcome == "answered_by_bot"
    assert (purged.turns, purged.summaries, purged.notes) == (1, 1, 1)


def test_sms_go_after_their_limit_unless_still_to_send(store: Store) -> None:
    gone = {
        add_sms(store, to=ALICE, body="Rappel CB-1", created=OLD_S, status="sent"),
        add_sms(store, to=ALICE, body="Rappel CB-2", created=OLD_S, status="failed"),
    }
    kept = {
        add_sms(store, to=BOB, body="Rappel CB-3", created=NEW_S, status="sent"),
        # an old SMS not sent yet keeps its number and body: the outbox still needs them
        add_sms(store, to=CAROL, body="Rappel CB-4", created=OLD_S, status="queued"),
    }

    purged = purge(store, POLICY, now=NOW)

    with store.session() as session:
        left = set(session.scalars(sa.select(SmsOutboxRow.id)))
    assert left == kept and not left & gone
    assert purged.sms == 2


def test_numbers_go_from_closed_cases_ended_calls_and_finished_callbacks(store: Store) -> None:
    old_call = add_call(store, caller="0612345678", started=OLD_N - HOUR, ended=OLD_N)
    young_call = add_call(store, caller="0698765432", started=NEW_N - HOUR, ended=NEW_N)
    live_call = add_call(store, caller="0611223344", started=OLD_N, ended=None)
    closed_old = add_case(store, number=ALICE, updated=OLD_N, closed=OLD_N)
    closed_young = add_case(store, number=BOB, updated=NEW_N, closed=NEW_N)
    still_open = add_case(store, number=CAROL, updated=OLD_N, closed=None, outcome="callback")
    done_old = add_callback(
        store, closed_old, number=ALICE, requested=OLD_N, done=OLD_N, status="done"
    )
    done_young = add_callback(
        store, closed_young, number=BOB, requested=NEW_N, done=NEW_N, status="failed"
    )
    pending = add_callback(store, still_open, number=CAROL, requested=OLD_N)

    purged = purge(store, POLICY, now=NOW)

    with store.session() as session:
        callers = dict(session.execute(sa.select(Call.id, Call.caller)).all())
        numbers = dict(session.execute(sa.select(Case.id, Case.caller_number)).all())
        callbacks = dict(session.execute(sa.select(Callback.id, Callback.number)).all())
    assert callers == {old_call: None, young_call: "0698765432", live_call: "0611223344"}
    assert numbers == {closed_old: None, closed_young: BOB, still_open: CAROL}
    # a callback still to make keeps its number whatever its age
    assert callbacks == {done_old: "", done_young: BOB, pending: CAROL}
    assert (purged.case_numbers, purged.call_numbers, purged.callback_numbers) == (1, 1, 1)
    # the transcripts' own limit is longer: the month-old conversations are all there
    assert turns_of(store, closed_old) == ["Quels sont les horaires ?"]


def test_audit_rows_go_after_their_limit_and_the_purge_is_audited(store: Store) -> None:
    old = add_audit(store, at=OLD_A)
    young = add_audit(store, at=NEW_A)

    purged = purge(store, POLICY, actor="cli:tester", now=NOW)

    rows = audit_trail(store)
    assert young in [r.id for r in rows] and old not in [r.id for r in rows]
    assert [(r.actor, r.action, r.object) for r in rows if r.id != young] == [
        ("cli:tester", AuditAction.PURGE.value, "store")
    ]
    assert purged.audit == 1


def test_a_second_purge_finds_nothing(store: Store) -> None:
    add_case(store, number=ALICE, updated=OLD_T, closed=OLD_T)
    add_sms(store, to=ALICE, body="Rappel", created=OLD_T)
    first = purge(store, POLICY, now=NOW)
    assert (first.turns, first.summaries, first.sms, first.case_numbers) == (1, 1, 1, 1)
    again = purge(store, POLICY, now=NOW)
    assert again == Purged()


def test_the_policy_comes_from_the_settings() -> None:
    settings = Settings(
        retention_transcripts_days=10,
        retention_sms_days=2,
        retention_numbers_days=3,
        retention_audit_days=40,
    )
    assert RetentionPolicy.from_settings(settings) == RetentionPolicy(
        transcripts=timedelta(days=10),
        sms=timedelta(days=2),
        numbers=timedelta(days=3),
        audit=timedelta(days=40),
    )


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_up_purges_at_start_then_again_and_stops_when_cancelled(store: Store) -> None:
    runs: list[Purged] = []
    second = asyncio.Event()

    def seen(purged: Purged) -> None:
        runs.append(purged)
        if len(runs) == 2:
            second.set()

    add_case(store, number=ALICE, updated=datetime.now(UTC) - timedelta(days=400))
    service = asyncio.create_task(
        serve_privacy_purge(Settings(), store, every_s=0.05, on_purged=seen)
    )
    try:
        await asyncio.wait_for(second.wait(), 10)
    finally:
        service.cancel()
        with pytest.raises(asyncio.CancelledError):
            await service
    assert runs[0].turns == 1 and runs[1].turns == 0  # at start, with the defaults
    assert len([r for r in audit_trail(store) if r.action == AuditAction.PURGE]) >= 2


class Counted(logging.Handler):
    """Sets ``reached`` once ``count`` records have been logged."""

    def __init__(self, count: int) -> None:
        super().__init__(logging.WARNING)
        self.count = count
        self.messages: list[str] = []
        self.reached = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
        if len(self.messages) >= self.count:
            self.reached.set()


async def test_a_failing_purge_is_logged_and_tried_again(store: Store) -> None:
    # the store fails under the purge: the audit table it writes to is gone
    with store.session() as session:
        session.execute(sa.text("DROP TABLE audit_log"))
    failures = Counted(2)
    logger = logging.getLogger("guichet.privacy.purge")
    logger.addHandler(failures)
    service = asyncio.create_task(
        serve_privacy_purge(Settings(), store, every_s=3600, retry_s=0.05)
    )
    try:
        # tried again after retry_s, not after a day
        await asyncio.wait_for(failures.reached.wait(), 10)
    finally:
        logger.removeHandler(failures)
        service.cancel()
        with pytest.raises(asyncio.CancelledError):
            await service
    assert all("privacy purge failed" in m for m in failures.messages), failures.messages
