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


# --- values written into Asterisk's files (SIP hardening) ---


@pytest.mark.parametrize(
    "catch_all",
    [
        "0.0.0.0/0",
        "::/0",
        "0.0.0.0/1",
        "128.0.0.0/1",
        "10.0.0.0/8",
        "192.0.0.0/15",
        "::ffff:0:0/96",  # every IPv4 source, as Asterisk maps it
        "::/32",
        "2000::/3",
        "0.0.0.0",
        "::",
    ],
)
def test_trunk_addresses_refuse_catch_alls(tmp_path: Path, catch_all: str) -> None:
    # a trunk address calls without a password: a network this wide is anyone
    with pytest.raises(ConfigError, match="trunk_addresses"):
        load_settings({}, {"home": str(tmp_path), "trunk_addresses": ["192.0.2.10", catch_all]})


@pytest.mark.parametrize(
    "invalid",
    [
        "192.0.2.0/33",
        "192.0.2.1/24",  # host bits set: one address or the network? refused, not guessed
        "trunk.example.com",
        "192.0.2.256",
        "",
        "192.0.2.1;",
        "192.0.2.1\nmatch = 0.0.0.0/0",
    ],
)
def test_trunk_addresses_refuse_what_is_not_an_address(tmp_path: Path, invalid: str) -> None:
    with pytest.raises(ConfigError, match="trunk_addresses"):
        load_settings({}, {"home": str(tmp_path), "trunk_addresses": [invalid]})


def test_trunk_addresses_as_pjsip_gets_them(tmp_path: Path) -> None:
    s = load_settings(
        {"GUICHET_TRUNK_ADDRESSES": "192.0.2.10, 198.51.100.0/255.255.255.0, 2001:db8::/48"},
        {"home": str(tmp_path)},
    )
    assert s.trunk_addresses == ["192.0.2.10", "198.51.100.0/24", "2001:db8::/48"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sip_bind_host", "127.0.0.1\n[evil]"),
        ("http_bind_host", "127.0.0.1;"),
        ("ami_host", "127.0.0.1 0.0.0.0"),
        ("web_host", "x\r\nenabled = yes"),
        ("agi_host", "127.0.0.1/route?x"),
        ("ari_user", "guichet\nread_only = no"),
        ("ari_user", "general"),
        ("ami_user", "guichet;x"),
        ("ami_user", "General"),
        ("ari_app", "guichet)\nsame => n,System(id)"),
        ("city_number", "_X."),
        ("city_number", "3000\nexten => _X.,1,Dial(PJSIP/1001)"),
        ("echo_number", "3999,1,Hangup"),
        ("echo_number", ""),
    ],
)
def test_values_rendered_into_asterisk_files_are_checked(
    tmp_path: Path, field: str, value: str
) -> None:
    with pytest.raises(ConfigError, match=field):
        load_settings({}, {"home": str(tmp_path), field: value})


def test_environment_cannot_inject_either(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ami_user"):
        load_settings({"GUICHET_AMI_USER": "guichet\nwrite = all"}, {"home": str(tmp_path)})


def test_queue_names_are_checked_where_they_are_set(tmp_path: Path) -> None:
    for queues in (["reception", "general"], ["reception\n[x]"], ["a", "a"], ["Upper"]):
        with pytest.raises(ConfigError, match="queues"):
            load_settings({}, {"home": str(tmp_path), "queues": queues})


def test_usual_values_still_pass(tmp_path: Path) -> None:
    s = load_settings(
        {},
        {
            "home": str(tmp_path),
            "sip_bind_host": "192.0.2.5",
            "web_host": "mairie.example.fr",
            "ami_host": "::1",
            "ari_user": "guichet-ari_2",
            "city_number": "+33100000000",
            "echo_number": "*43",
            "queues": ["reception", "etat-civil"],
        },
    )
    assert (s.web_host, s.city_number, s.echo_number) == (
        "mairie.example.fr",
        "+33100000000",
        "*43",
    )
