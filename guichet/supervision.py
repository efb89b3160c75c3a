"""Listen, whisper and barge on a live agent call, as the web app sees it.

The web app (``agent_softphone``) never imports ``pbx``: a supervisor's click goes
through this Protocol, which ``pbx.supervision`` implements (ARI snoop on the agent's
channel, the supervisor's own softphone rung and bridged with it) and the shell hands
to the web app (``AppState.supervision``). Who may supervise, and the audit row, are
the web's; what the telephony side does, and the ``SupervisionChanged`` event the
agent's desk shows, are the implementation's.

Modes, by who hears the supervisor (the supervisor always hears both sides):

- ``listen``: nobody;
- ``whisper``: the agent only (coaching; the caller does not hear it);
- ``barge``: the agent and the caller (a three-way conversation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, Protocol, get_args

from guichet.errors import GuichetError

__all__ = [
    "SUPERVISION_MODES",
    "CallNotSupervisable",
    "SupervisionBusy",
    "SupervisionControl",
    "SupervisionError",
    "SupervisionMode",
    "SupervisionSession",
    "SupervisionUnavailable",
    "SupervisorUnreachable",
]

SupervisionMode = Literal["listen", "whisper", "barge"]
SUPERVISION_MODES: Final[tuple[str, ...]] = get_args(SupervisionMode)


class SupervisionError(GuichetError):
    """Base of what a supervision request can fail with."""


class CallNotSupervisable(SupervisionError):
    """No caller is connected with a desk account on that call (ended, still with the
    voicebot, or never existed)."""


class SupervisionBusy(SupervisionError):
    """Another supervisor is already on the call."""


class SupervisorUnreachable(SupervisionError):
    """The supervisor's own softphone did not answer (not registered, declined, too
    long): nothing was done to the call."""


class SupervisionUnavailable(SupervisionError):
    """The telephony side is not running (Asterisk or the controller down)."""


@dataclass(frozen=True)
class SupervisionSession:
    """A supervisor on a call: ``agent`` is the desk account the caller talks to."""

    call_id: str
    agent: str
    supervisor: str
    mode: SupervisionMode


class SupervisionControl(Protocol):
    """What supervision asks of the telephony side; ``pbx.supervision`` implements it."""

    async def supervise(
        self, call_id: str, supervisor: str, mode: SupervisionMode
    ) -> SupervisionSession:
        """Put ``supervisor`` (their endpoint, ``PJSIP/<supervisor>``) on the call
        ``call_id`` (the caller's channel id) in ``mode``. Their softphone rings
        first; this returns once they answered and hear the call. Called again by
        the same supervisor on the same call: the mode changes, the phone stays up.
        Raises :class:`CallNotSupervisable`, :class:`SupervisionBusy`,
        :class:`SupervisorUnreachable`, :class:`SupervisionUnavailable`."""
        ...

    async def stop(self, call_id: str) -> SupervisionSession | None:
        """End the supervision of ``call_id`` (the supervisor's leg hangs up; the call
        goes on untouched); the session that was ended, None when there was none."""
        ...

    def sessions(self) -> list[SupervisionSession]:
        """The supervisions in progress now."""
        ...
