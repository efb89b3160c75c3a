"""Click-to-call, as the web app sees it: the expert's own phone rings first, then the
citizen's number is dialled through the outbound trunk and the two are bridged.

The web app never imports ``pbx``: it asks through this Protocol, which
``pbx.click_to_call`` implements and the shell (``guichet up``) hands over
(``AppState.click_to_call``). What is dialled is :attr:`CallbackDial.number`, the
number stored on the callback, checked again against the callback numbers' rules
just before (:meth:`guichet.casefile.attempts.CallbackAttempts.begin`); nothing a
browser sends reaches it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from guichet.errors import GuichetError

__all__ = ["CallbackDial", "ClickToCall", "ClickToCallUnavailable"]


class ClickToCallUnavailable(GuichetError):
    """The call could not be placed (no outbound trunk, Asterisk unreachable, the
    expert's phone not registered)."""


@dataclass(frozen=True)
class CallbackDial:
    account: str  # the desk account whose own endpoint rings first (PJSIP/<account>)
    number: str  # E.164, as stored on the callback and checked again
    callback_id: str
    reference: str  # shown on the expert's phone while it rings


class ClickToCall(Protocol):
    async def ring_then_dial(self, dial: CallbackDial) -> str:
        """Ring ``dial.account``'s phone; when it answers, dial ``dial.number`` on the
        outbound trunk and bridge them. Returns the expert leg's channel id at once
        (the call goes on without the caller of this method). Raises
        :class:`ClickToCallUnavailable` when it cannot be placed."""
        ...
