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
    """Passwords given in the settings win (an Asterisk configured by hand); otherwise
    the generated ones, which ``guichet asterisk render`` also wrote into Asterisk."""
    secrets = load_or_create_secrets(settings.home_dir, sip_usernames(settings))
    return Credentials(
        settings.ari_user,
        settings.ari_password or secrets.ari_password,
        settings.ami_user,
        settings.ami_password or secrets.ami_password,
    )
