"""What an account is, as every layer sees it (no password hash: that stays in the
store and in :mod:`guichet.accounts.passwords`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Role = Literal["agent", "expert", "supervisor", "admin"]
ROLES: tuple[Role, ...] = ("agent", "expert", "supervisor", "admin")
Language = Literal["fr", "en"]
LANGUAGES: tuple[Language, ...] = ("fr", "en")

# starts with a letter: never collides with the numeric SIP test accounts (1001…),
# and is the account's own PJSIP endpoint name as well
USERNAME = re.compile(r"[a-z][a-z0-9._-]{1,31}")


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    display_name: str
    role: Role
    services: tuple[str, ...]  # an expert's services (etat-civil, urbanisme…); else ()
    language: Language
    disabled: bool
    sip_secret: str  # its WebRTC endpoint's password, generated; never typed by anyone

    @property
    def interface(self) -> str:
        """Its queue member interface."""
        return f"PJSIP/{self.username}"
