"""Secrets generated on first run and kept in ``<home>/secrets.json`` (mode 0600).

Nothing in Guichet has a default password: every credential is made here, once,
and read back afterwards.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path

from guichet.errors import ConfigError

SECRETS_FILE_NAME = "secrets.json"


def _token() -> str:
    return secrets.token_urlsafe(24)


@dataclass
class Secrets:
    ari_password: str = field(default_factory=_token)
    ami_password: str = field(default_factory=_token)
    web_secret_key: str = field(default_factory=lambda: secrets.token_hex(32))
    # the first password of the first web account, ``admin`` (guichet.accounts makes
    # it at first run); ``guichet users reset-password admin`` changes it, not this
    admin_password: str = field(default_factory=_token)
    sip_accounts: dict[str, str] = field(default_factory=dict)  # username -> password

    def ensure_sip_accounts(self, usernames: list[str]) -> bool:
        """Add a password for every missing account; True when something was added."""
        added = False
        for name in usernames:
            if name not in self.sip_accounts:
                self.sip_accounts[name] = _token()
                added = True
        return added


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def load_or_create_secrets(home: Path, sip_usernames: list[str]) -> Secrets:
    """Read ``<home>/secrets.json``, generating whatever is missing (and saving it)."""
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    # the data directory holds the store (transcripts, numbers) and these secrets: its
    # owner's only, an older one made readable by all included (when it is ours to
    # change: a directory another account owns and lends is left to that account)
    info = home.stat()
    if info.st_mode & 0o077 and info.st_uid == os.geteuid():
        home.chmod(0o700)
    path = home / SECRETS_FILE_NAME
    if path.exists():
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            loaded = Secrets(**raw)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{path} is not a valid secrets file: {exc}") from exc
        changed = loaded.ensure_sip_accounts(sip_usernames)
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
    else:
        loaded = Secrets()
        loaded.ensure_sip_accounts(sip_usernames)
        changed = True
    if changed:
        _write_private(path, json.dumps(asdict(loaded), indent=2, sort_keys=True))
    return loaded
