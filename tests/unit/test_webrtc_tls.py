"""The web app's TLS: plain http on loopback, HTTPS elsewhere, from the configured
files or a self-signed certificate made once; served for real by uvicorn."""

from __future__ import annotations

import socket
import ssl
import stat
from pathlib import Path

import httpx
import pytest

from agent_softphone.app import create_app
from agent_softphone.state import AppState
from guichet.errors import ConfigError
from guichet.settings import Settings, load_settings
from guichet.shell.tls import self_signed, web_tls
from guichet.store import open_store
from tests.support.served import serving


def settings_for(tmp_path: Path, **values: object) -> Settings:
    return load_settings({}, {"home": str(tmp_path), **values})


def test_loopback_runs_plain_http(tmp_path: Path) -> None:
    assert web_tls(settings_for(tmp_path)) is None
    assert web_tls(settings_for(tmp_path, web_host="0.0.0.0", web_tls="off")) is None


def test_elsewhere_a_self_signed_certificate_is_made_once(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, web_host="192.0.2.10")
    made = web_tls(settings)
    assert made is not None and made.cert.parent == tmp_path / "tls"
    assert stat.S_IMODE(made.key.stat().st_mode) == 0o600
    cert_text = made.cert.read_text()
    again = web_tls(settings)
    assert again == made and made.cert.read_text() == cert_text  # not remade
    # a certificate Python's TLS accepts for that address
    context = ssl.create_default_context(cafile=str(made.cert))
    assert context.cert_store_stats()["x509_ca"] == 1


def test_configured_files_win_and_must_exist(tmp_path: Path) -> None:
    own = web_tls(settings_for(tmp_path / "a", web_host="192.0.2.10"))
    assert own is not None
    chosen = web_tls(
        settings_for(tmp_path, web_tls="files", web_tls_cert=own.cert, web_tls_key=own.key)
    )
    assert chosen == own
    with pytest.raises(ConfigError, match="does not exist"):
        web_tls(settings_for(tmp_path, web_tls_cert=own.cert, web_tls_key=tmp_path / "none"))
    with pytest.raises(ConfigError, match="go together"):
        settings_for(tmp_path, web_tls_cert=own.cert)
    with pytest.raises(ConfigError, match="needs"):
        settings_for(tmp_path, web_tls="files")


async def test_served_over_https_with_a_secure_cookie(tmp_path: Path) -> None:
    """uvicorn serves the app with the certificate, as ``guichet up`` does; the login
    page's pre-session cookie is Secure once AppState.tls says so."""
    settings = settings_for(tmp_path)
    cert = self_signed(tmp_path / "tls", "127.0.0.1")
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    port = sock.getsockname()[1]
    app = create_app(AppState(store, settings=settings, tls=True))
    try:
        # its lifespan on and awaited, as `guichet up` serves it
        async with serving(app, sock, ssl_certfile=str(cert.cert), ssl_keyfile=str(cert.key)):
            trust = ssl.create_default_context(cafile=str(cert.cert))  # it, and only it
            async with httpx.AsyncClient(verify=trust) as client:
                reply = await client.get(f"https://127.0.0.1:{port}/login")
        assert reply.status_code == 200
        assert reply.url.scheme == "https"
        set_cookie = reply.headers.get_list("set-cookie")
        assert set_cookie and all("secure" in c.lower() for c in set_cookie), set_cookie
    finally:
        store.close()
