"""The one ASR scheduler: voicebot turns first, live-assist finals next, interim texts
last and only on an idle pool (dropped under load, never queued behind real work)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.speech import caller_sentence
from voicebot import (
    ASR_ASSIST_FINAL,
    ASR_ASSIST_INTERIM,
    AsrLane,
    Dropped,
    Engines,
    PriorityPool,
    resample,
)

WAIT_S = 5.0


class Gate:
    """A job that holds its worker until released: the pool is then 'under load'."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self) -> str:
        self.started.set()
        assert self.release.wait(WAIT_S)
        return "gate"


@pytest.fixture
def pool() -> Iterator[PriorityPool]:
    made = PriorityPool(1, "asr-test")
    yield made
    made.shutdown(wait=True, cancel_futures=True)


def test_voicebot_turns_run_before_assist_finals_queued_earlier(pool: PriorityPool) -> None:
    gate = Gate()
    pool.submit(gate)
    assert gate.started.wait(WAIT_S)
    order: list[str] = []
    final_lane = AsrLane(pool, ASR_ASSIST_FINAL)
    finals = [final_lane.submit(order.append, f"assist-final-{i}") for i in range(3)]
    voicebot = pool.submit(order.append, "voicebot-turn")  # the voicebot's plain submit
    gate.release.set()
    for job in [*finals, voicebot]:
        job.result(WAIT_S)
    assert order == ["voicebot-turn", "assist-final-0", "assist-final-1", "assist-final-2"]


def test_interim_is_dropped_when_no_worker_is_idle(pool: PriorityPool) -> None:
    gate = Gate()
    pool.submit(gate)
    assert gate.started.wait(WAIT_S)
    interim = AsrLane(pool, ASR_ASSIST_INTERIM, droppable=True)
    ran: list[str] = []
    job = interim.submit(ran.append, "interim")
    with pytest.raises(Dropped):
        job.result(0)  # refused at once, not queued
    gate.release.set()
    pool.submit(lambda: None).result(WAIT_S)
    assert ran == []


def test_interim_runs_on_an_idle_pool(pool: PriorityPool) -> None:
    interim = AsrLane(pool, ASR_ASSIST_INTERIM, droppable=True)
    assert interim.submit(lambda: "partial text").result(WAIT_S) == "partial text"


def test_a_queued_interim_gives_way_to_any_other_work() -> None:
    """Two workers: the interim is accepted while one is idle; before it starts, a
    voicebot turn arrives and the interim (still waiting) is dropped."""
    pool = PriorityPool(2, "asr-test2")
    try:
        gates = [Gate(), Gate()]
        pool.submit(gates[0])
        assert gates[0].started.wait(WAIT_S)
        # hold the pool's lock so the second worker cannot take the interim yet
        with pool._cond:
            interim: Future[str] = AsrLane(pool, ASR_ASSIST_INTERIM, droppable=True).submit(
                lambda: "late partial"
            )
            assert pool.load == (1, 1)  # queued, not yet running
            turn = pool.submit(lambda: "turn")  # (the lock is reentrant)
        with pytest.raises(Dropped):
            interim.result(WAIT_S)
        assert turn.result(WAIT_S) == "turn"
        gates[0].release.set()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def test_finals_are_never_dropped_under_load(pool: PriorityPool) -> None:
    gate = Gate()
    pool.submit(gate)
    assert gate.started.wait(WAIT_S)
    finals = [AsrLane(pool, ASR_ASSIST_FINAL).submit(lambda i=i: i) for i in range(5)]
    for _ in range(5):
        pool.submit(lambda: None)
    gate.release.set()
    assert [f.result(WAIT_S) for f in finals] == [0, 1, 2, 3, 4]


def test_a_lane_over_a_plain_executor_just_submits() -> None:
    with ThreadPoolExecutor(1) as plain:
        lane = AsrLane(plain, ASR_ASSIST_INTERIM, droppable=True)
        assert lane.submit(lambda: 7).result(WAIT_S) == 7


def test_with_real_whisper_a_voicebot_turn_overtakes_queued_assist_work(
    engines: Engines, tmp_path: Path
) -> None:
    """The shared Whisper workers busy with live assist (finals queued behind the two
    running ones, interims asked for): the voicebot's turn runs as soon as a worker is
    free, ahead of every queued assist final, and the interims are refused."""
    audio = resample(
        caller_sentence("Je voudrais refaire ma carte d'identité.", tmp_path / "q.wav"), 8000, 16000
    )
    pool = engines.asr_pool
    finals = AsrLane(pool, ASR_ASSIST_FINAL)
    interims = AsrLane(pool, ASR_ASSIST_INTERIM, droppable=True)
    done: list[str] = []
    lock = threading.Lock()

    def job(name: str) -> Callable[[], str]:
        def run() -> str:
            text = engines.asr.transcribe(audio, "fr").text
            with lock:
                done.append(name)
            return text

        return run

    workers = engines.asr.capabilities.parallel
    assist = [finals.submit(job(f"assist-{i}")) for i in range(workers + 3)]
    refused = interims.submit(job("interim"))
    turn = pool.submit(job("voicebot"))  # how AsrStage submits (run_in_executor)
    assert "carte" in turn.result(60).lower()
    for future in assist:
        future.result(60)
    with pytest.raises(Dropped):
        refused.result(0)
    # only the finals already running when the turn came may finish before it
    assert done.index("voicebot") <= workers, done
    assert "interim" not in done
