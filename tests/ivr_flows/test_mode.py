from pathlib import Path

from guichet.settings import load_settings
from guichet.store import open_store
from ivr_flows.decision import Mode
from ivr_flows.mode import read_mode, write_mode


def test_mode_is_auto_until_set_and_survives_reopening(tmp_path: Path) -> None:
    settings = load_settings({}, {"home": str(tmp_path)})
    store = open_store(settings.store_url)
    assert read_mode(store) is Mode.AUTO
    write_mode(store, Mode.NIGHT)
    write_mode(store, Mode.DAY)
    store.close()
    reopened = open_store(settings.store_url)  # as after a restart
    assert read_mode(reopened) is Mode.DAY
    reopened.close()
