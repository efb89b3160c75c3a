"""The call state machine. Each state is saved with the call, so a controller that
restarts reads where every call stood and carries on from there."""

from __future__ import annotations

from enum import StrEnum

from pbx.errors import PbxError


class CallState(StrEnum):
    NEW = "new"  # in Stasis, not answered yet
    ANSWERED = "answered"
    GREETING = "greeting"  # the greeting is playing
    HANGING_UP = "hanging_up"  # the controller asked Asterisk to hang up
    ENDED = "ended"


TRANSITIONS: dict[CallState, frozenset[CallState]] = {
    CallState.NEW: frozenset({CallState.ANSWERED, CallState.HANGING_UP, CallState.ENDED}),
    CallState.ANSWERED: frozenset({CallState.GREETING, CallState.HANGING_UP, CallState.ENDED}),
    CallState.GREETING: frozenset({CallState.HANGING_UP, CallState.ENDED}),
    CallState.HANGING_UP: frozenset({CallState.ENDED}),
    CallState.ENDED: frozenset(),
}


class InvalidTransition(PbxError):
    def __init__(self, call_id: str, current: CallState, wanted: CallState) -> None:
        super().__init__(f"call {call_id}: cannot go from {current} to {wanted}")


def check_transition(call_id: str, current: CallState, wanted: CallState) -> None:
    if wanted not in TRANSITIONS[current]:
        raise InvalidTransition(call_id, current, wanted)
