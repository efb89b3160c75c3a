"""The calls: the Stasis entry (``stasis``), the session that routes a call through
the steps of its state (``session``), the typed state machine (``state``) and its
store (``store``); the first steps (``routing``: answer, route) and the last
(``hangup``). The features' steps live in their own folders."""

from pbx.calls.errors import CallEnded
from pbx.calls.hangup import HangUpStep
from pbx.calls.routing import AnswerStep, RouteStep, new_link_id
from pbx.calls.session import CallSession, CallStep
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
