"""The website's call button, seen from the core: how a visitor's browser call (held
by the web app, ``agent_softphone.webcall``) joins the telephony side when the
caller asks for a person. ``pbx.webcall`` implements it (an externalMedia leg into
the ``guichet`` ARI application, routed like a phone call); the shell wires it.

The web app never imports ``pbx``: it only knows these two Protocols.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from guichet.errors import GuichetError

__all__ = ["WebCallBridge", "WebCallJoin", "WebCallLeg", "WebCallUnavailable"]


class WebCallUnavailable(GuichetError):
    """The call side cannot take the web call now (not started, nobody to hand it to)."""


@dataclass(frozen=True)
class WebCallJoin:
    """What the call side needs to route the web call like a phone call."""

    case_id: str  # the web call's case (channel ``web``): the agent sees its transcript
    lang: str
    service: str | None = None  # the topic's service, when the dialog knew it


class WebCallLeg(Protocol):
    """The web call's leg in Asterisk: PCM16 mono at ``sample_rate`` both ways."""

    @property
    def call_id(self) -> str: ...
    @property
    def sample_rate(self) -> int: ...
    @property
    def queue(self) -> str: ...
    async def send(self, pcm: bytes) -> None: ...
    async def wait_closed(self) -> None: ...
    async def aclose(self) -> None: ...


class WebCallBridge(Protocol):
    """The call side, as the web app's call button uses it."""

    def people_available(self) -> bool:
        """Someone could take the call now (the dialog may offer a person)."""
        ...

    async def join(self, request: WebCallJoin, on_audio: Callable[[bytes], None]) -> WebCallLeg:
        """Put the web call into Asterisk's queues; ``on_audio`` gets what the
        person says. WebCallUnavailable when that cannot be done."""
        ...
