import json
import stat
from pathlib import Path

import pytest

from guichet.errors import ConfigError
from guichet.secrets_store import load_or_create_secrets


def test_generated_once_private_and_stable(tmp_path: Path) -> None:
    first = load_or_create_secrets(tmp_path, ["1001", "1002"])
    path = tmp_path / "secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_or_create_secrets(tmp_path, ["1001", "1002"])
    assert again == first
    passwords = [first.ari_password, first.ami_password, first.admin_password]
    passwords += list(first.sip_accounts.values())
    assert len(set(passwords)) == len(passwords)  # no shared or default password
    assert all(len(p) >= 24 for p in passwords)


def test_new_account_gets_a_password_old_ones_kept(tmp_path: Path) -> None:
    first = load_or_create_secrets(tmp_path, ["1001"])
    more = load_or_create_secrets(tmp_path, ["1001", "1002"])
    assert more.sip_accounts["1001"] == first.sip_accounts["1001"]
    assert more.sip_accounts["1002"]
    on_disk = json.loads((tmp_path / "secrets.json").read_text())
    assert set(on_disk["sip_accounts"]) == {"1001", "1002"}


def test_loose_permissions_are_tightened(tmp_path: Path) -> None:
    load_or_create_secrets(tmp_path, [])
    path = tmp_path / "secrets.json"
    path.chmod(0o644)
    load_or_create_secrets(tmp_path, [])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_corrupt_file_is_an_error_not_a_reset(tmp_path: Path) -> None:
    (tmp_path / "secrets.json").write_text("{not json")
    with pytest.raises(ConfigError, match="secrets"):
        load_or_create_secrets(tmp_path, [])
    assert (tmp_path / "secrets.json").read_text() == "{not json"
