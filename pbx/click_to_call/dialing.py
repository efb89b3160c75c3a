"""The outbound trunk as Asterisk's files and the dialplan see it: its settings for
``pjsip.conf`` (:class:`OutboundTrunk`) and the dial prefix rules that turn an E.164
number into what the provider expects (:class:`DialRules`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from guichet.errors import ConfigError
from guichet.settings import Settings

__all__ = ["CONTEXT", "TRUNK_ENDPOINT", "DialRules", "OutboundTrunk", "check_e164"]

# the dialplan context only origination reaches (no endpoint has it, none includes it)
CONTEXT = "guichet-click-to-call"
# the trunk's sections in pjsip.conf; an account cannot take this name
TRUNK_ENDPOINT = "outbound-trunk"
_E164 = re.compile(r"\+[1-9]\d{6,14}")
# what the context's patterns take (_X. and _+X.): digits, an optional leading '+'
_DIALLABLE = re.compile(r"\+?\d{3,20}")


def check_e164(number: str) -> str:
    if not _E164.fullmatch(number):
        raise ValueError("not an E.164 number")
    return number


@dataclass(frozen=True)
class DialRules:
    """``"+33=0"``: a number starting with +33 is dialled with 0 instead; the longest
    matching prefix wins; a number no rule matches is dialled as E.164."""

    rules: tuple[tuple[str, str], ...] = (("+33", "0"), ("+", "00"))

    @classmethod
    def parse(cls, entries: Sequence[str]) -> DialRules:
        pairs = []
        for entry in entries:
            prefix, _, replacement = entry.partition("=")
            if not prefix.startswith("+") or (not replacement.isdigit() and replacement):
                raise ConfigError(f"dial rule {entry!r}: '+PREFIX=DIGITS'")
            pairs.append((prefix, replacement))
        return cls(tuple(sorted(pairs, key=lambda p: len(p[0]), reverse=True)))

    def dial_string(self, e164: str) -> str:
        number = check_e164(e164)
        for prefix, replacement in self.rules:
            if number.startswith(prefix):
                number = replacement + number[len(prefix) :]
                break
        if not _DIALLABLE.fullmatch(number):
            raise ValueError("the dial rules made an undiallable string")
        return number


@dataclass(frozen=True)
class OutboundTrunk:
    """What ``pjsip.conf`` and ``extensions.conf`` render for the outbound trunk."""

    host: str
    port: int
    username: str | None
    password: str | None
    register: bool
    caller_id: str | None
    ring_expert_s: int
    dial_timeout_s: int

    @classmethod
    def from_settings(cls, settings: Settings) -> OutboundTrunk | None:
        """None when no outbound trunk is configured."""
        if settings.outbound_trunk_host is None:
            return None
        credentials = settings.outbound_trunk_username, settings.outbound_trunk_password
        if settings.outbound_trunk_register and None in credentials:
            raise ConfigError("outbound_trunk_register needs a username and a password")
        if (credentials[0] is None) != (credentials[1] is None):
            raise ConfigError("outbound_trunk_username and _password go together")
        return cls(
            host=settings.outbound_trunk_host,
            port=settings.outbound_trunk_port,
            username=settings.outbound_trunk_username,
            password=settings.outbound_trunk_password,
            register=settings.outbound_trunk_register,
            caller_id=settings.outbound_caller_id,
            ring_expert_s=settings.outbound_ring_expert_s,
            dial_timeout_s=settings.outbound_dial_timeout_s,
        )
