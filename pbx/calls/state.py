"""The call state machine. Each state has a typed record of what it needs (the queue a
call is handed to, the media link it talks over…), saved with the call together with
the facts that follow it from state to state (its case, its language). A controller
that restarts reads where every call stood and carries on from there.

In the store a call's state is its :class:`CallState` name and one JSON object: the
facts' fields and the state record's fields side by side (``encode``/``decode``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from pbx.errors import PbxError

__all__ = [
    "TRANSITIONS",
    "Answered",
    "CallFacts",
    "CallState",
    "Callback",
    "Ended",
    "HangingUp",
    "InvalidTransition",
    "New",
    "StateRecord",
    "Transferring",
    "Voicebot",
    "check_transition",
    "decode",
    "encode",
]


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


@dataclass(frozen=True)
class CallFacts:
    """What a call carries through all its states."""

    case_id: str = ""
    lang: str | None = None  # None: not chosen yet (the flow's default is used)
    lang_known: bool = False  # the caller spoke or chose it, not just a default

    def with_lang(self, lang: str, *, known: bool) -> CallFacts:
        return dataclasses.replace(self, lang=lang, lang_known=known)


@dataclass(frozen=True)
class StateRecord:
    """Base of the per-state records; ``state`` names the state it stands for."""

    state: ClassVar[CallState]


@dataclass(frozen=True)
class New(StateRecord):
    state: ClassVar[CallState] = CallState.NEW


@dataclass(frozen=True)
class Answered(StateRecord):
    state: ClassVar[CallState] = CallState.ANSWERED
    # back from a queue leg: why ("voicebot": the caller pressed for it, "queue": the
    # queue gave up, "resync": taken back after a restart); None on a new call
    came_back: str | None = None


@dataclass(frozen=True)
class Voicebot(StateRecord):
    state: ClassVar[CallState] = CallState.VOICEBOT
    link_id: str
    desk_open: bool = False  # a person can take the call now (the bot may offer it)
    service: str | None = None  # the expert service of the topic, once known


@dataclass(frozen=True)
class Callback(StateRecord):
    state: ClassVar[CallState] = CallState.CALLBACK
    link_id: str
    service: str | None = None
    incident: bool = False  # came here after a fault: apologise first
    callback_id: str | None = None  # booked: only the confirmation is left to say


@dataclass(frozen=True)
class Transferring(StateRecord):
    state: ClassVar[CallState] = CallState.TRANSFERRING
    queue: str
    escalated: bool = False  # to an expert service rather than reception
    service: str | None = None


@dataclass(frozen=True)
class HangingUp(StateRecord):
    state: ClassVar[CallState] = CallState.HANGING_UP


@dataclass(frozen=True)
class Ended(StateRecord):
    state: ClassVar[CallState] = CallState.ENDED


RECORDS: dict[CallState, type[StateRecord]] = {
    cls.state: cls for cls in (New, Answered, Voicebot, Callback, Transferring, HangingUp, Ended)
}
_FACT_FIELDS = frozenset(f.name for f in dataclasses.fields(CallFacts))


def encode(facts: CallFacts, record: StateRecord) -> dict[str, Any]:
    """The JSON object saved with the call."""
    return dataclasses.asdict(facts) | dataclasses.asdict(record)


def decode(state: CallState, data: dict[str, Any]) -> tuple[CallFacts, StateRecord]:
    """Read back what :func:`encode` saved; unknown keys (an older version's) are
    ignored, missing ones take their defaults."""
    cls = RECORDS[state]
    names = {f.name for f in dataclasses.fields(cls)}
    facts = CallFacts(**{k: v for k, v in data.items() if k in _FACT_FIELDS})
    try:
        record = cls(**{k: v for k, v in data.items() if k in names})
    except TypeError as exc:  # a required field missing: the saved state is unusable
        raise PbxError(f"saved {state} state without its data: {exc}") from exc
    return facts, record
