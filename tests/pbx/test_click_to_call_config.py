"""The outbound trunk as rendered (pjsip.conf, extensions.conf) and the dial rules:
an IP trunk or a registering one; nothing rendered without a host; the context that
dials out is reached by no endpoint and includes nothing; the dial string."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from guichet.errors import ConfigError
from guichet.secrets_store import Secrets
from guichet.settings import Settings, load_settings
from pbx.asterisk_config import RESERVED_ENDPOINTS, RenderContext, render_all
from pbx.click_to_call import CONTEXT, TRUNK_ENDPOINT, DialRules, OutboundTrunk


def rendered(tmp_path: Path, **values: object) -> dict[str, str]:
    settings = Settings(home=tmp_path, **values)
    secrets = Secrets(sip_accounts={"1001": "a", "1002": "b"})
    return render_all(settings, secrets, RenderContext("/i", "/m"))


def sections(text: str, name: str) -> list[str]:
    return [
        body
        for head, body in re.findall(r"^\[([^\]]+)\]\n(.*?)(?=^\[|\Z)", text, re.M | re.S)
        if head == name
    ]


def test_no_host_no_outbound_trunk(tmp_path: Path) -> None:
    files = rendered(tmp_path)
    assert TRUNK_ENDPOINT not in files["pjsip.conf"]
    context = files["extensions.conf"].split(f"[{CONTEXT}]", 1)[1]
    assert "Dial(" not in context  # the context exists, dials nothing


def test_an_ip_trunk(tmp_path: Path) -> None:
    files = rendered(
        tmp_path,
        outbound_trunk_host="127.0.0.1",
        outbound_trunk_port=5999,
        outbound_caller_id="+33123456789",
    )
    parts = sections(files["pjsip.conf"], TRUNK_ENDPOINT)
    kinds = [re.search(r"^type = (\w+)", p, re.M).group(1) for p in parts]  # type: ignore[union-attr]
    assert sorted(kinds) == ["aor", "endpoint"]  # no auth, no registration
    endpoint = next(p for p in parts if "type = endpoint" in p)
    # never taken for an inbound request: by address only, and no identify section
    assert "identify_by = ip" in endpoint and "context = from-trunk" in endpoint
    assert "contact = sip:127.0.0.1:5999" in files["pjsip.conf"]
    dialplan = files["extensions.conf"]
    assert "Set(CALLERID(num)=+33123456789)" in dialplan
    assert f"Dial(PJSIP/${{GUICHET_DIAL}}@{TRUNK_ENDPOINT},45)" in dialplan
    # no endpoint lands in the dial-out context, and no context includes it
    assert f"context = {CONTEXT}" not in files["pjsip.conf"]
    assert f"include => {CONTEXT}" not in dialplan


def test_a_registering_trunk(tmp_path: Path) -> None:
    files = rendered(
        tmp_path,
        outbound_trunk_host="sip.example.net",
        outbound_trunk_username="mairie",
        outbound_trunk_password="s3cret",
        outbound_trunk_register=True,
    )
    parts = sections(files["pjsip.conf"], TRUNK_ENDPOINT)
    registration = next(p for p in parts if "type = registration" in p)
    assert "client_uri = sip:mairie@sip.example.net:5060" in registration
    assert "outbound_auth = outbound-trunk" in registration
    assert any("password = s3cret" in p for p in parts)


def test_settings_refuse_what_would_break_the_files(tmp_path: Path) -> None:
    for bad in ({"GUICHET_OUTBOUND_CALLER_ID": "1;x"}, {"GUICHET_OUTBOUND_TRUNK_HOST": "a b"}):
        with pytest.raises(ConfigError):
            load_settings({"GUICHET_HOME": str(tmp_path), **bad})
    with pytest.raises(ConfigError):  # registration without credentials
        OutboundTrunk.from_settings(
            Settings(outbound_trunk_host="127.0.0.1", outbound_trunk_register=True)
        )
    assert TRUNK_ENDPOINT in RESERVED_ENDPOINTS  # no account can take its sections


@pytest.mark.parametrize(
    ("e164", "dialled"),
    [("+33612345678", "0612345678"), ("+3247012345", "003247012345")],
)
def test_dial_rules(e164: str, dialled: str) -> None:
    assert DialRules.parse(["+33=0", "+=00"]).dial_string(e164) == dialled


def test_dial_rules_refuse_anything_but_e164() -> None:
    rules = DialRules.parse(["+33=0"])
    for bad in ("0612345678", "+33612345678@evil", "+3361234567&PJSIP/x", ""):
        with pytest.raises(ValueError):
            rules.dial_string(bad)
    assert DialRules.parse([]).dial_string("+33612345678") == "+33612345678"
