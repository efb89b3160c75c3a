"""When the store fails, what gets logged names no caller: neither the statement's
parameters (the transcript, the number) nor what PostgreSQL quotes of the failing
row. Judged on the real writers and the log they leave (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from guichet.bus import InMemoryBus
from guichet.casefile.repository import CaseRepository
from guichet.store import Store
from pbx.voicebot_call.events import ConversationRecorder
from voicebot import TranscriptionFrame

NAME = "Dupont"
SAID = f"Bonjour, je suis Jean {NAME}, mon numéro est le 06 12 34 56 78"
TRACES = (NAME, "06 12 34 56 78", "0612345678", "+33612345678", "612345678")


def fail_inserts(store: Store, table: str) -> None:
    """From now on the store refuses new rows in ``table``, the way a full disk or a
    broken constraint would: PostgreSQL by a check (whose error quotes the row),
    SQLite by a trigger."""
    with store.session() as session:
        if store.engine.dialect.name == "postgresql":
            session.execute(
                sa.text(f"ALTER TABLE {table} ADD CONSTRAINT store_full CHECK (false) NOT VALID")
            )
        else:
            session.execute(
                sa.text(
                    f"CREATE TRIGGER store_full BEFORE INSERT ON {table} "
                    "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
                )
            )


def assert_no_caller_in(text: str) -> None:
    for trace in TRACES:
        assert trace not in text, f"{trace!r} logged:\n{text}"


async def test_a_transcript_that_cannot_be_stored_is_not_logged(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    cases = CaseRepository(store)
    case = await cases.open_case(caller_number="0612345678")
    fail_inserts(store, "case_turns")
    recorder = ConversationRecorder(
        call_id="chan-1", case_id=case.id, cases=cases, bus=InMemoryBus(), services=set()
    )
    with caplog.at_level(logging.INFO):
        recorder.transcribed(TranscriptionFrame(text=SAID, lang="fr", turn=1))
        recorder.writer.finish()
        await recorder.writer.run()  # returns once the queued write has been tried
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in failures] == [f"case {case.id}: could not record an update"]
    assert failures[0].exc_info is not None  # the traceback is kept, its values are not
    assert_no_caller_in(caplog.text)
    with store.session() as session:
        assert session.execute(sa.text("SELECT count(*) FROM case_turns")).scalar() == 0


async def test_a_case_that_cannot_be_opened_does_not_log_the_number(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    fail_inserts(store, "cases")
    log = logging.getLogger("guichet.test.boundary")
    with caplog.at_level(logging.INFO):
        try:
            await CaseRepository(store).open_case(
                caller_number="06 12 34 56 78", call_id=None, language="fr"
            )
        except Exception:
            log.exception("call chan-2: no case")  # what a caller of the store does
        else:
            pytest.fail("the store accepted the case")
    assert "no case" in caplog.text and "Traceback" in caplog.text
    assert_no_caller_in(caplog.text)


def test_a_duplicate_row_does_not_quote_its_values(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    # PostgreSQL names the duplicate key's value: "Key (id)=(…) already exists"
    key = f"+33612345678-{uuid.uuid4().hex[:4]}"
    insert = sa.text("INSERT INTO probe (id, note) VALUES (:id, :note)")
    with store.session() as session:
        session.execute(sa.text("CREATE TABLE probe (id VARCHAR(40) PRIMARY KEY, note TEXT)"))
        session.execute(insert, {"id": key, "note": SAID})
    with caplog.at_level(logging.INFO):
        try:
            with store.session() as session:
                session.execute(insert, {"id": key, "note": SAID})
        except IntegrityError:
            logging.getLogger("guichet.test.boundary").exception("not stored")
    assert "not stored" in caplog.text
    assert_no_caller_in(caplog.text)
