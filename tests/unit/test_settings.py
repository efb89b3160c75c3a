from pathlib import Path

import pytest

from guichet.errors import ConfigError
from guichet.settings import load_settings


def test_defaults_are_local_and_safe(tmp_path: Path) -> None:
    s = load_settings({}, {"home": str(tmp_path)})
    assert s.sip_bind_host == "127.0.0.1"
    assert s.http_bind_host == "127.0.0.1"
    assert s.ami_host == "127.0.0.1"
    assert s.ari_password is None and s.ami_password is None  # generated, never defaulted
    assert s.asterisk_root_dir == tmp_path.resolve() / "asterisk-root"
    assert s.kb_index_path == tmp_path.resolve() / "kb-index"
    assert s.store_url == f"sqlite:///{tmp_path.resolve() / 'guichet.db'}"


def test_file_then_environment_layers(tmp_path: Path) -> None:
    (tmp_path / "guichet.toml").write_text(
        'sip_port = 5070\nweb_port = 9000\ntrunk_addresses = ["10.0.0.1", "10.0.0.2"]\n'
    )
    env = {"GUICHET_HOME": str(tmp_path), "GUICHET_WEB_PORT": "9100"}
    s = load_settings(env)
    assert s.sip_port == 5070  # from the file
    assert s.web_port == 9100  # the environment wins over the file
    assert s.trunk_addresses == ["10.0.0.1", "10.0.0.2"]


def test_environment_lists_are_comma_separated(tmp_path: Path) -> None:
    s = load_settings(
        {"GUICHET_TRUNK_ADDRESSES": "192.0.2.1, 198.51.100.0/24"}, {"home": str(tmp_path)}
    )
    assert s.trunk_addresses == ["192.0.2.1", "198.51.100.0/24"]


def test_config_file_named_by_environment(tmp_path: Path) -> None:
    other = tmp_path / "prod.toml"
    other.write_text('asterisk_mode = "external"\nari_password = "from-file"\n')
    s = load_settings({"GUICHET_CONFIG": str(other), "GUICHET_HOME": str(tmp_path)})
    assert s.asterisk_mode == "external"
    assert s.ari_password == "from-file"


def test_invalid_value_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="sip_port"):
        load_settings({"GUICHET_SIP_PORT": "not-a-port"}, {"home": str(tmp_path)})


def test_unknown_key_in_file_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "guichet.toml").write_text("sip_prot = 5070\n")
    with pytest.raises(ConfigError, match="sip_prot"):
        load_settings({"GUICHET_HOME": str(tmp_path)})


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "guichet.toml").write_text("sip_port = \n")
    with pytest.raises(ConfigError, match=r"guichet\.toml"):
        load_settings({"GUICHET_HOME": str(tmp_path)})
