"""The web app's TLS: which certificate ``guichet up`` serves, if any.

A browser lets a page use the microphone, and keeps a ``Secure`` cookie, only over
HTTPS or on a loopback address. So ``web_tls = auto`` (the default) serves plain
http on 127.0.0.1 (``make run`` for development) and HTTPS anywhere else: from the
configured files, else from a self-signed certificate made at first start in
``<home>/tls`` (the browser warns once; a city puts its own certificate in the
settings). The page, its API and the SIP websocket share the port, so one
certificate serves all three.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from guichet.errors import ConfigError
from guichet.settings import Settings

TLS_DIR = "tls"
SELF_SIGNED_DAYS = 825  # the longest validity browsers accept for a server certificate


@dataclass(frozen=True)
class WebTls:
    cert: Path
    key: Path


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def web_tls(settings: Settings) -> WebTls | None:
    """The certificate to serve, or None for plain http."""
    if settings.web_tls == "off":
        return None
    if settings.web_tls_cert is not None and settings.web_tls_key is not None:
        chosen = WebTls(settings.web_tls_cert.expanduser(), settings.web_tls_key.expanduser())
        for path in (chosen.cert, chosen.key):
            if not path.is_file():
                raise ConfigError(f"TLS file {path} does not exist")
        return chosen
    if settings.web_tls == "auto" and _loopback(settings.web_host):
        return None
    host = settings.web_host
    if host in ("0.0.0.0", "::"):  # noqa: S104 - every interface: named by the machine
        host = socket.gethostname()
    return self_signed(settings.home_dir / TLS_DIR, host)


def self_signed(directory: Path, host: str) -> WebTls:
    """``directory``'s certificate for ``host``, made the first time (key 0600)."""
    made = WebTls(directory / "web-cert.pem", directory / "web-key.pem")
    if made.cert.is_file() and made.key.is_file():
        return made
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        kind = "IP" if ipaddress.ip_address(host) else "DNS"
    except ValueError:
        kind = "DNS"
    names = f"{kind}:{host}" + ("" if host == "localhost" else ",DNS:localhost")
    tmp_key = made.key.with_suffix(".tmp")
    tmp_key.unlink(missing_ok=True)
    os.close(os.open(tmp_key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-days", str(SELF_SIGNED_DAYS),
                "-subj", f"/CN={host}/O=Guichet (self-signed)",
                "-addext", f"subjectAltName={names}",
                "-keyout", str(tmp_key), "-out", str(made.cert.with_suffix(".tmp")),
            ],
            check=True,
            capture_output=True,
            text=True,
        )  # fmt: skip
    except (OSError, subprocess.CalledProcessError) as exc:
        tmp_key.unlink(missing_ok=True)
        detail = getattr(exc, "stderr", "") or str(exc)
        raise ConfigError(f"could not make a self-signed certificate: {detail}") from exc
    os.replace(made.cert.with_suffix(".tmp"), made.cert)
    os.replace(tmp_key, made.key)  # last: a certificate without its key is never found
    return made
