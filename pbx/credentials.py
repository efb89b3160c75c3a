"""Where ARI/AMI credentials come from: the settings (an external Asterisk) or the
generated secrets (the Asterisk Guichet runs)."""

from __future__ import annotations

from dataclasses import dataclass

from guichet.secrets_store import load_or_create_secrets
from guichet.settings import Settings
from pbx.asterisk_config import sip_usernames


@dataclass(frozen=True)
class Credentials:
    ari_user: str
    ari_password: str
    ami_user: str
    ami_password: str


def credentials(settings: Settings) -> Credentials:
    if settings.asterisk_mode == "external":
        return Credentials(
            settings.ari_user,
            settings.ari_password or "",
            settings.ami_user,
            settings.ami_password or "",
        )
    secrets = load_or_create_secrets(settings.home_dir, sip_usernames(settings))
    return Credentials(
        settings.ari_user, secrets.ari_password, settings.ami_user, secrets.ami_password
    )
