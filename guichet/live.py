"""The calls in progress, folded from the call events: the ``calls`` part of the
:class:`~guichet.events.Snapshot` a late subscriber (a wallboard) starts from.

Pure and synchronous: the bus folds every event here as it is published, so a
snapshot built at any moment agrees with the events that follow it.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from guichet.events import (
    Abstained,
    AgentConnected,
    CallAnswered,
    CallbackBooked,
    CallEnded,
    CallEscalated,
    CallEvent,
    CallResumed,
    CallRouted,
    CallStarted,
    CallTransferred,
    CardProposed,
    Event,
    HandedOver,
    LanguageChanged,
    LiveCall,
    TurnTranscribed,
)

__all__ = ["LiveCalls"]

log = logging.getLogger(__name__)


class LiveCalls:
    """``LiveCall`` rows by call id, oldest call first.

    Only :class:`CallStarted` and :class:`CallResumed` open a row: an event for a
    call not open here (a transcript turn that races the hang-up) changes nothing,
    so an ended call never comes back as a ghost. ``max_calls`` bounds the rows in
    case a ``CallEnded`` is never published (a controller that died): the oldest
    row goes first.
    """

    def __init__(self, *, max_turns: int = 10, max_calls: int = 2000) -> None:
        self.max_turns = max_turns
        self.max_calls = max_calls
        self._calls: dict[str, LiveCall] = {}

    def __len__(self) -> int:
        return len(self._calls)

    def get(self, call_id: str) -> LiveCall | None:
        return self._calls.get(call_id)

    def calls(self) -> tuple[LiveCall, ...]:
        return tuple(self._calls.values())

    def apply(self, event: Event) -> None:
        """Fold one event; events about other things (queues) are ignored, except
        the queue's ``AgentConnected``, which says who took a call."""
        if isinstance(event, AgentConnected):
            self._update(event.unique_id, agent=event.member_name or event.member)
            return
        if not isinstance(event, CallEvent):
            return
        match event:
            case CallStarted():
                self._open(
                    LiveCall(
                        event.call_id,
                        case_id=event.case_id,
                        caller=event.caller,
                        started_at=event.at,
                    )
                )
            case CallResumed():
                known = self._calls.get(event.call_id)
                if known is None:
                    self._open(LiveCall(event.call_id, case_id=event.case_id, state=event.state))
                else:
                    self._update(event.call_id, state=event.state)
            case CallEnded():
                self._calls.pop(event.call_id, None)
            case CallAnswered():
                call = self._calls.get(event.call_id)
                # answering comes first; should it arrive late, it does not undo a route
                state = "answered" if call is not None and call.state == "new" else None
                self._update(event.call_id, language=event.language, **_given(state=state))
            case CallRouted():
                self._update(event.call_id, state=event.target)
            case LanguageChanged():
                self._update(event.call_id, language=event.lang)
            case TurnTranscribed():
                call = self._calls.get(event.call_id)
                if call is not None:
                    turns = (*call.transcript, (event.speaker, event.text))
                    self._update(event.call_id, transcript=turns[-self.max_turns :])
            case CardProposed():
                self._update(
                    event.call_id,
                    topic=event.title,
                    service=event.service,
                    confidence=event.confidence,
                )
            case Abstained():
                self._update(event.call_id, confidence=event.confidence)
            case HandedOver():
                call = self._calls.get(event.call_id)
                service = event.service or (call.service if call else None)
                self._update(event.call_id, handed_over=event.reason, service=service)
            case CallTransferred():
                self._update(event.call_id, state="queue", queue=event.queue, agent=None)
            case CallEscalated():
                self._update(event.call_id, state="escalated", queue=event.queue, agent=None)
            case CallbackBooked():
                self._update(event.call_id, state="callback")
        # the case id may come with any event (the case is opened after the start)
        call = self._calls.get(event.call_id)
        if call is not None and event.case_id and call.case_id != event.case_id:
            self._update(event.call_id, case_id=event.case_id)

    def _open(self, call: LiveCall) -> None:
        self._calls[call.call_id] = call
        while len(self._calls) > self.max_calls:
            oldest = next(iter(self._calls))
            log.warning("live calls: %s dropped, no call.ended seen for it", oldest)
            del self._calls[oldest]

    def _update(self, call_id: str, **changes: Any) -> None:
        call = self._calls.get(call_id)
        if call is not None:
            self._calls[call_id] = dataclasses.replace(call, **changes)


def _given(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}
