"""The call state machine. Each state is saved with the call, so a controller that
restarts reads where every call stood and carries on from there."""

from __future__ import annotations

from enum import StrEnum

from pbx.errors import PbxError


class CallState(StrEnum):
    NEW = "new"  # in Stasis, not answered yet
    ANSWERED = "answered"  # answered, its case opened, being routed
    VOICEBOT = "voicebot"  # talking with the voicebot
    CALLBACK = "callback"  # confirming the number of a callback, then booking it
    TRANSFERRING = "transferring"  # handed to a queue in the dialplan (leaves Stasis)
    HANGING_UP = "hanging_up"  # the controller asked Asterisk to hang up
    ENDED = "ended"


_ENDINGS = frozenset({CallState.HANGING_UP, CallState.ENDED})

TRANSITIONS: dict[CallState, frozenset[CallState]] = {
    CallState.NEW: frozenset({CallState.ANSWERED}) | _ENDINGS,
    CallState.ANSWERED: frozenset({CallState.VOICEBOT, CallState.TRANSFERRING}) | _ENDINGS,
    CallState.VOICEBOT: frozenset({CallState.CALLBACK, CallState.TRANSFERRING}) | _ENDINGS,
    CallState.CALLBACK: _ENDINGS,
    CallState.TRANSFERRING: _ENDINGS,
    CallState.HANGING_UP: frozenset({CallState.ENDED}),
    CallState.ENDED: frozenset(),
}


class InvalidTransition(PbxError):
    def __init__(self, call_id: str, current: CallState, wanted: CallState) -> None:
        super().__init__(f"call {call_id}: cannot go from {current} to {wanted}")


def check_transition(call_id: str, current: CallState, wanted: CallState) -> None:
    if wanted not in TRANSITIONS[current]:
        raise InvalidTransition(call_id, current, wanted)
