"""The calls: the Stasis entry (``stasis``), the session that routes a call through
the steps of its state (``session``), the typed state machine (``state``) and its
store (``store``); the first steps (``routing``: answer, route) and the last
(``hangup``); the caller's media link (``steady_link``) and Asterisk's silence on
the line between steps (``line_silence``). The features' steps live in their own
folders.

Adding a telephony feature that a caller's call goes through (say, a satisfaction
survey after an answer):

1. ``pbx/survey/``: ``flow.py`` with a step class (``async def run(self, call:
   CallSession)``) that ends by ``await call.go(<next state record>)``; its prompts,
   store access and events beside it (``prompts.py``, ``store.py``, ``events.py``).
2. ``state.py``: a ``CallState`` member, its typed record (what a restarted
   controller needs to carry on), and the ``TRANSITIONS`` into and out of it.
3. ``pbx/service.py``: the step in the ``steps`` table, given only what it uses.
4. Events it publishes: new dataclasses in ``guichet/events.py`` (the catalogue).

A feature beside the caller's call (live-assist snoop, listen/whisper,
click-to-call) is a folder too; it acts through ARI and the bus, not through more
methods on :class:`CallSession`.

A step never leaves the caller in silence: what it awaits on the store goes through
``call.store(...)`` (the call's store time-out, :class:`CallTimeouts`), and whatever
it raises gives the caller the last resort (an apology and the flow's routing, in the
dialplan's ``[guichet-error]``); the call ends with reason ``error``. A step that has
apologised in the call's own voice says so with ``call.failed(...)`` and hangs up.
"""

from pbx.calls.errors import CallEnded
from pbx.calls.hangup import HangUpStep
from pbx.calls.routing import AnswerStep, RouteStep, new_link_id
from pbx.calls.session import LAST_RESORT_CONTEXT, CallSession, CallStep, CallTimeouts
from pbx.calls.stasis import AriConnection, CallController, run_controller
from pbx.calls.state import (
    Answered,
    Callback,
    CallFacts,
    CallState,
    Ended,
    HangingUp,
    InvalidTransition,
    New,
    StateRecord,
    Transferring,
    Voicebot,
)
from pbx.calls.store import CallRecord, CallRepository
from pbx.calls.summary import write_summary

__all__ = [
    "LAST_RESORT_CONTEXT",
    "AnswerStep",
    "Answered",
    "AriConnection",
    "CallController",
    "CallEnded",
    "CallFacts",
    "CallRecord",
    "CallRepository",
    "CallSession",
    "CallState",
    "CallStep",
    "CallTimeouts",
    "Callback",
    "Ended",
    "HangUpStep",
    "HangingUp",
    "InvalidTransition",
    "New",
    "RouteStep",
    "StateRecord",
    "Transferring",
    "Voicebot",
    "new_link_id",
    "run_controller",
    "write_summary",
]
