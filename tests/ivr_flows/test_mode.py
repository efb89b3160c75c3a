import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from guichet.store import open_store
from ivr_flows.decision import Mode
from ivr_flows.mode import read_mode, routing_mode, write_mode


def test_mode_is_auto_until_set_and_survives_reopening(store_url: str) -> None:
    store = open_store(store_url)
    assert read_mode(store) is Mode.AUTO
    write_mode(store, Mode.NIGHT)
    write_mode(store, Mode.DAY)
    store.close()
    reopened = open_store(store_url)  # as after a restart
    assert read_mode(reopened) is Mode.DAY
    with reopened.session() as session:
        updated_at = session.execute(sa.select(routing_mode.c.updated_at)).scalar_one()
    # UTC and aware on every backend (SQLite drops offsets, PostgreSQL answers in its zone)
    assert updated_at.utcoffset() == dt.timedelta(0)
    assert abs(dt.datetime.now(dt.UTC) - updated_at) < dt.timedelta(minutes=5)
    reopened.close()


def test_first_writes_at_once_do_not_fail(store_url: str) -> None:
    store = open_store(store_url)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda mode: write_mode(store, mode), [Mode.DAY, Mode.NIGHT] * 4))
    assert read_mode(store) in (Mode.DAY, Mode.NIGHT)
    store.close()
