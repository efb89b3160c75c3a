"""The outbox against the real twilio client library and a local Twilio stand-in."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from guichet.casefile.callbacks import CallbackBook
from guichet.casefile.cli import sms
from guichet.casefile.errors import InvalidNumber, SmsError
from guichet.casefile.outbox import RATE_LIMITED, OutboxPolicy, SmsOutbox, queue_sms
from guichet.casefile.records import SmsStatus
from guichet.casefile.repository import CaseRepository
from guichet.casefile.sms import (
    LogOnlySms,
    SentSms,
    TwilioSms,
    describe_sms,
    make_sms_engine,
)
from guichet.errors import ConfigError
from guichet.settings import Settings
from guichet.store import Store, open_store
from guichet.store.models import SmsOutboxRow, utcnow
from tests.support.fake_twilio import FakeTwilio

from .fakes import MemorySms

SENDER = "MAIRIE"


def twilio(fake: FakeTwilio, timeout_s: float = 5.0) -> TwilioSms:
    return TwilioSms(
        fake.account_sid, fake.auth_token, SENDER, base_url=fake.base_url, timeout_s=timeout_s
    )


def outbox(store: Store, fake: FakeTwilio, **policy: object) -> SmsOutbox:
    return SmsOutbox(store, twilio(fake), OutboxPolicy(**policy))  # type: ignore[arg-type]


async def test_callback_sms_reaches_twilio(
    store: Store, cases: CaseRepository, fake_twilio: FakeTwilio
) -> None:
    worker = outbox(store, fake_twilio)
    case = await cases.open_case(caller_number="0612345678")
    book = CallbackBook.from_settings(store, Settings(), on_sms_queued=worker.wake)
    worker.start()  # the background service, woken by the booking
    try:
        callback = await book.book_callback(case.id, "06 12 34 56 78")
        messages = await asyncio.to_thread(fake_twilio.wait_for, 1)
    finally:
        await worker.aclose()
    assert messages[0]["to"] == "+33612345678" and messages[0]["from"] == SENDER
    assert callback.reference in messages[0]["body"]
    assert callback.sms_id is not None
    row = await worker.get(callback.sms_id)
    assert row is not None and row.status is SmsStatus.SENT
    assert row.provider_sid == messages[0]["sid"] and row.attempts == 1


async def test_sent_once_across_runs_and_workers(
    db_url: str, store: Store, fake_twilio: FakeTwilio
) -> None:
    first = outbox(store, fake_twilio)
    for i in range(6):
        await first.enqueue(f"k{i}", f"+3361234567{i}", f"message {i}")
    await first.enqueue("k0", "+33612345670", "message 0")  # same key: not a new SMS
    second_store = open_store(db_url)  # another process's engine
    second = outbox(second_store, fake_twilio)
    runs = await asyncio.gather(first.run_once(), second.run_once(), first.run_once())
    assert sum(r.sent for r in runs) == 6
    assert (await first.run_once()).sent == 0
    assert fake_twilio.posts == 6
    assert sorted(m["body"] for m in fake_twilio.messages) == [f"message {i}" for i in range(6)]
    assert {r.status for r in await first.list()} == {SmsStatus.SENT}
    second_store.close()


async def test_retry_after_500_with_backoff(store: Store, fake_twilio: FakeTwilio) -> None:
    worker = outbox(store, fake_twilio, retry_base_s=30, max_attempts=3)
    sms = await worker.enqueue("k", "+33612345678", "hello")
    fake_twilio.fail_next(1, status=500)
    now = utcnow()
    run = await worker.run_once(now)
    assert run.retried == 1 and run.next_due == now + timedelta(seconds=30)
    row = await worker.get(sms.id)
    assert row is not None and row.status is SmsStatus.QUEUED and "500" in (row.last_error or "")
    assert (await worker.run_once(now + timedelta(seconds=29))).sent == 0  # not yet due
    assert (await worker.run_once(now + timedelta(seconds=30))).sent == 1
    row = await worker.get(sms.id)
    assert row is not None and row.status is SmsStatus.SENT and row.attempts == 2
    assert len(fake_twilio.messages) == 1


async def test_gives_up_after_max_attempts(store: Store, fake_twilio: FakeTwilio) -> None:
    worker = outbox(store, fake_twilio, retry_base_s=1, max_attempts=2)
    sms = await worker.enqueue("k", "+33612345678", "hello")
    fake_twilio.fail_next(2, status=503)
    now = utcnow()
    assert (await worker.run_once(now)).retried == 1
    assert (await worker.run_once(now + timedelta(seconds=5))).failed == 1
    row = await worker.get(sms.id)
    assert row is not None and row.status is SmsStatus.FAILED and row.attempts == 2


async def test_timeout_is_retried(store: Store, fake_twilio: FakeTwilio) -> None:
    worker = SmsOutbox(store, twilio(fake_twilio, timeout_s=0.3), OutboxPolicy(retry_base_s=1))
    sms = await worker.enqueue("k", "+33612345678", "hello")
    fake_twilio.hang_next(1)
    now = utcnow()
    assert (await worker.run_once(now)).retried == 1
    assert (await worker.run_once(now + timedelta(seconds=1))).sent == 1
    row = await worker.get(sms.id)
    assert row is not None and row.status is SmsStatus.SENT


async def test_invalid_number_rejected(store: Store, fake_twilio: FakeTwilio) -> None:
    worker = outbox(store, fake_twilio)
    with pytest.raises(InvalidNumber, match="too short"):
        await worker.enqueue("k", "06 12 34", "hello")
    # a row that slipped past validation: Twilio's 21211 fails it at once, no retry
    with store.session() as session:
        row_id = queue_sms(session, "bad", "+3361", "hello", utcnow()).id
    run = await worker.run_once()
    assert run.failed == 1 and run.retried == 0
    row = await worker.get(row_id)
    assert row is not None and row.status is SmsStatus.FAILED
    assert "21211" in (row.last_error or "") and row.attempts == 1
    with pytest.raises(SmsError) as caught:
        await asyncio.to_thread(twilio(fake_twilio).send, "x", "+3361", "hello")
    assert caught.value.code == 21211 and not caught.value.retryable


async def test_bad_credentials_are_permanent(fake_twilio: FakeTwilio) -> None:
    engine = TwilioSms(fake_twilio.account_sid, "wrong", SENDER, base_url=fake_twilio.base_url)
    with pytest.raises(SmsError) as caught:
        await asyncio.to_thread(engine.send, "x", "+33612345678", "hello")
    assert caught.value.code == 20003 and not caught.value.retryable


async def test_rate_limited_per_number(store: Store, fake_twilio: FakeTwilio) -> None:
    worker = outbox(store, fake_twilio, per_number_per_hour=2)
    for i in range(3):
        await worker.enqueue(f"k{i}", "+33612345678", f"message {i}")
    await worker.enqueue("other", "+33781234567", "someone else")
    run = await worker.run_once()
    assert run.sent == 3 and run.failed == 1
    limited = [r for r in await worker.list() if r.status is SmsStatus.FAILED]
    assert [r.last_error for r in limited] == [RATE_LIMITED]
    assert len(fake_twilio.messages) == 3
    # an hour later the number may be texted again
    later = await worker.enqueue("k3", "+33612345678", "message 3")
    assert (await worker.run_once(utcnow() + timedelta(hours=1, seconds=1))).sent == 1
    assert (await worker.get(later.id)) is not None


async def test_crash_between_send_and_mark(store: Store, fake_twilio: FakeTwilio) -> None:
    """A worker died after Twilio accepted the message but before writing 'sent'."""
    worker = outbox(store, fake_twilio, sending_lease_s=60)
    accepted = await worker.enqueue("done-before-crash", "+33612345678", "accepted")
    lost = await worker.enqueue("never-sent", "+33781234567", "not accepted")
    await asyncio.to_thread(twilio(fake_twilio).send, accepted.id, "+33612345678", "accepted")
    crashed_at = utcnow()
    with store.session() as session:
        session.execute(
            update(SmsOutboxRow).values(status="sending", attempts=1, claimed_at=crashed_at)
        )
    assert (await worker.run_once(crashed_at + timedelta(seconds=30))).sent == 0  # leased
    run = await worker.run_once(crashed_at + timedelta(seconds=61))
    assert (run.reconciled, run.sent) == (1, 1)
    assert fake_twilio.posts == 2  # the accepted one was not sent again
    row = await worker.get(accepted.id)
    assert row is not None and row.status is SmsStatus.SENT
    assert row.provider_sid == fake_twilio.messages[0]["sid"]
    row = await worker.get(lost.id)
    assert row is not None and row.status is SmsStatus.SENT and row.attempts == 2


async def test_memory_engine_for_unit_tests(store: Store) -> None:
    engine = MemorySms()
    engine.failures.append(SmsError("flaky", retryable=True))
    worker = SmsOutbox(store, engine, OutboxPolicy(retry_base_s=1))
    await worker.enqueue("k", "+33612345678", "hi")
    now = utcnow()
    await worker.run_once(now)
    await worker.run_once(now + timedelta(seconds=1))
    assert [to for _, to, _ in engine.sent] == ["+33612345678"]


def test_engine_from_settings(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert isinstance(make_sms_engine(Settings()), LogOnlySms)
    assert "log only" in describe_sms(Settings())
    with pytest.raises(ConfigError, match="twilio_auth_token"):
        make_sms_engine(Settings(sms_provider="twilio", twilio_account_sid="AC1", twilio_from="X"))
    configured = Settings(
        sms_provider="twilio",
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="t",
        twilio_from="MAIRIE",
        twilio_base_url="http://127.0.0.1:8099",
    )
    assert isinstance(make_sms_engine(configured), TwilioSms)
    assert "http://127.0.0.1:8099" in describe_sms(configured)


async def test_logs_carry_no_personal_data(
    store: Store, fake_twilio: FakeTwilio, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    for engine in (twilio(fake_twilio), LogOnlySms()):
        worker = SmsOutbox(store, engine)
        await worker.enqueue(f"k-{engine.capabilities.name}", "+33612345678", "secret body")
        await worker.run_once()
    text = caplog.text
    assert "secret body" not in text
    assert "612345678" not in text


def test_cli_send_pending(tmp_path: Path, db_url: str, fake_twilio: FakeTwilio) -> None:
    settings = Settings(
        home=tmp_path,
        database_url=db_url,
        sms_provider="twilio",
        twilio_account_sid=fake_twilio.account_sid,
        twilio_auth_token=fake_twilio.auth_token,
        twilio_from=SENDER,
        twilio_base_url=fake_twilio.base_url,
    )
    store = open_store(settings.store_url)
    with store.session() as session:
        queue_sms(session, "k", "+33612345678", "from the CLI", utcnow())
    store.close()
    result = CliRunner().invoke(sms, ["send-pending"], obj=settings)
    assert result.exit_code == 0, result.output
    assert "Twilio via http://127.0.0.1" in result.output and "sent 1" in result.output
    assert [m["body"] for m in fake_twilio.messages] == ["from the CLI"]


async def test_concurrent_enqueues_of_one_key(store: Store) -> None:
    """Two writers queue the same message at once: one row, both get it back."""
    worker = SmsOutbox(store, MemorySms())
    queued = await asyncio.gather(
        *(worker.enqueue("same", "+33612345678", "hello") for _ in range(4))
    )
    assert len({r.id for r in queued}) == 1
    assert [r.id for r in await worker.list()] == [queued[0].id]


class _SendsWhile(MemorySms):
    """Runs ``meanwhile`` during its first send: another worker's pass, exactly while
    this one has checked the rate limit and not yet marked its row sent."""

    def __init__(self, meanwhile: Callable[[], object]) -> None:
        super().__init__()
        self._meanwhile: Callable[[], object] | None = meanwhile

    def send(self, outbox_id: str, to: str, body: str) -> SentSms:
        if self._meanwhile is not None:
            meanwhile, self._meanwhile = self._meanwhile, None
            meanwhile()
        return super().send(outbox_id, to, body)


async def test_rate_limit_holds_across_workers(db_url: str, store: Store) -> None:
    """A second worker sends to the same number while the first is mid-send: it
    counts the first's send, so together they stay within the hourly limit."""
    policy = OutboxPolicy(per_number_per_hour=1, batch=1)  # one row per pass
    second_store = open_store(db_url)  # another process's engine
    second_engine = MemorySms()
    second = SmsOutbox(second_store, second_engine, policy)
    first_engine = _SendsWhile(lambda: asyncio.run(second.run_once(now)))
    first = SmsOutbox(store, first_engine, policy)
    await first.enqueue("k1", "+33612345678", "message 1")
    await first.enqueue("k2", "+33612345678", "message 2")
    now = utcnow()
    await first.run_once(now)
    second_store.close()
    assert len(first_engine.sent) + len(second_engine.sent) == 1
    rows = {r.idempotency_key: r for r in await first.list()}
    assert rows["k1"].status is SmsStatus.SENT and rows["k1"].sent_at == now
    assert (rows["k2"].status, rows["k2"].last_error) == (SmsStatus.FAILED, RATE_LIMITED)
    assert rows["k2"].sent_at is None


async def test_enqueue_follows_the_international_settings(store: Store) -> None:
    def worker(**settings: object) -> SmsOutbox:
        return SmsOutbox(store, MemorySms(), OutboxPolicy.from_settings(Settings(**settings)))

    with pytest.raises(InvalidNumber) as caught:
        await worker().enqueue("be", "+32 470 12 34 56", "hello")
    assert caught.value.reason == "international_not_allowed"
    on = worker(callback_allow_international=True, callback_international_countries=["BE"])
    queued = await on.enqueue("be", "+32 470 12 34 56", "hello")
    assert queued.to_number == "+32470123456"
    with pytest.raises(InvalidNumber) as caught:
        await on.enqueue("ch", "+41 78 123 45 67", "hello")
    assert caught.value.reason == "country_not_allowed"
    with pytest.raises(InvalidNumber) as caught:
        await on.enqueue("fr", "07 12 34 56 78", "hello")  # no such French range
    assert caught.value.reason == "not_assigned"
