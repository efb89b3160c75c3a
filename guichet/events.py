"""The catalogue of events: everything Guichet tells its listeners (the web app, the
case tracker, tests). One frozen dataclass per kind of fact; publishers build them,
subscribers match on their types (``isinstance`` or ``match``), never on strings.

Each class has a wire name (``type``), used only at the edge: the websocket sends
``{"type": "call.started", "at": …, …fields}`` to browsers (:meth:`Event.to_json`).

What an event may carry: ids, decisions, the bot's and the caller's words (the web
app is authenticated and authorised per object), never a full phone number — a
caller is shown masked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from guichet.jsonable import dataclass_json

__all__ = [
    "EVENT_TYPES",
    "Abstained",
    "AgentCalled",
    "AgentChanged",
    "AgentCompleted",
    "AgentConnected",
    "AgentRingNoAnswer",
    "AgentState",
    "AgentView",
    "AssistLine",
    "AssistSuggested",
    "CallAnswered",
    "CallEnded",
    "CallEscalated",
    "CallEvent",
    "CallResumed",
    "CallRouted",
    "CallStarted",
    "CallTransferred",
    "CallbackAttempted",
    "CallbackBooked",
    "CallbackDialing",
    "CallerView",
    "CardProposed",
    "CaseOffered",
    "CaseWrappedUp",
    "ChatEnded",
    "ChatEvent",
    "ChatTaken",
    "ChatWaiting",
    "ClosureAdded",
    "ClosureRemoved",
    "DeskStateChanged",
    "Event",
    "HandedOver",
    "LanguageChanged",
    "LiveCall",
    "MemberView",
    "QueueBoard",
    "QueueCallerAbandoned",
    "QueueCallerJoined",
    "QueueCallerLeft",
    "QueueEvent",
    "QueueMemberAdded",
    "QueueMemberChanged",
    "QueueMemberRemoved",
    "QueueView",
    "QueuesSynced",
    "QueuesUnsynced",
    "RoutingModeChanged",
    "Snapshot",
    "Speaker",
    "SuggestedCard",
    "SupervisionChanged",
    "TriedCard",
    "TurnTranscribed",
]

Speaker = Literal["caller", "bot", "agent", "expert"]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


EVENT_TYPES: dict[str, type[Event]] = {}


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every event; ``type`` is the wire name, set on each concrete class."""

    type: ClassVar[str] = ""
    at: dt.datetime = field(default_factory=_now)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("type")
        if name:
            if name in EVENT_TYPES:
                raise TypeError(f"event type {name!r} defined twice")
            EVENT_TYPES[name] = cls

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: ``type`` first, datetimes in ISO 8601, enums by value."""
        return {"type": self.type, **dataclass_json(self)}


# --- calls ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CallEvent(Event):
    """Something about one call (``call_id`` is the caller's channel id)."""

    call_id: str
    case_id: str = ""


@dataclass(frozen=True, kw_only=True)
class CallStarted(CallEvent):
    type: ClassVar[str] = "call.started"
    caller: str = ""  # masked: "+33 6 •• •• •• 78"
    line: str = ""  # the number dialled (the city hall's)


@dataclass(frozen=True, kw_only=True)
class CallResumed(CallEvent):
    """A restarted controller took the call back."""

    type: ClassVar[str] = "call.resumed"
    state: str


@dataclass(frozen=True, kw_only=True)
class CallAnswered(CallEvent):
    type: ClassVar[str] = "call.answered"
    language: str


@dataclass(frozen=True, kw_only=True)
class CallRouted(CallEvent):
    type: ClassVar[str] = "call.routed"
    target: str  # ivr_flows' Target value: reception_queue | voicebot
    reason: str  # why (open, closed, holiday, no_agent…)
    detail: str = ""
    mode: str = ""  # day | night | auto


@dataclass(frozen=True, kw_only=True)
class TurnTranscribed(CallEvent):
    """One turn of the conversation, by whoever spoke it."""

    type: ClassVar[str] = "call.turn_transcribed"
    speaker: Speaker
    text: str
    turn: int = 0
    lang: str = ""
    card_id: str | None = None  # the bot's turn: the card it read from


@dataclass(frozen=True, kw_only=True)
class LanguageChanged(CallEvent):
    type: ClassVar[str] = "call.language_changed"
    lang: str


@dataclass(frozen=True, kw_only=True)
class CardProposed(CallEvent):
    """The knowledge base has a reliable answer for a turn."""

    type: ClassVar[str] = "call.card_proposed"
    turn: int
    card_id: str
    title: str | None
    service: str | None
    confidence: float


@dataclass(frozen=True, kw_only=True)
class Abstained(CallEvent):
    """No reliable answer for a turn: the bot says so (never invents one)."""

    type: ClassVar[str] = "call.abstained"
    turn: int
    confidence: float = 0.0


@dataclass(frozen=True, kw_only=True)
class HandedOver(CallEvent):
    """The voicebot gives the call to people (a queue or a callback), and why."""

    type: ClassVar[str] = "call.handed_over"
    reason: str  # the dialog's reason: asked_for_person, no_answer, media_lost…
    service: str | None = None


@dataclass(frozen=True, kw_only=True)
class CallTransferred(CallEvent):
    """To the reception queue (first level)."""

    type: ClassVar[str] = "call.transferred"
    queue: str
    service: str | None = None
    summary: str | None = None


@dataclass(frozen=True, kw_only=True)
class CallEscalated(CallEvent):
    """To an expert service's queue, with the case summary."""

    type: ClassVar[str] = "call.escalated"
    queue: str
    service: str | None = None
    summary: str | None = None


@dataclass(frozen=True, kw_only=True)
class CallbackBooked(CallEvent):
    type: ClassVar[str] = "call.callback_booked"
    callback_id: str
    reference: str
    due_by: dt.datetime
    service: str | None = None


@dataclass(frozen=True, kw_only=True)
class CallEnded(CallEvent):
    type: ClassVar[str] = "call.ended"
    reason: str  # completed, caller_hangup, to_queue, error…


# --- queues and agents (app_queue over AMI) ----------------------------------------
#
# Queue events carry absolute values (a member's whole view, the queue's counts after
# the change), never deltas: a listener that started from a snapshot already holding
# a change, then receives that change, ends in the same state.


@dataclass(frozen=True)
class MemberView:
    """A queue member as listeners see it: an agent's phone logged in to a queue."""

    interface: str  # PJSIP/1001
    name: str = ""
    state_interface: str = ""
    membership: str = "dynamic"
    paused: bool = False
    paused_reason: str = ""
    in_call: bool = False
    device: str = "UNKNOWN"  # Asterisk's device state name
    calls_taken: int = 0
    last_call: float | None = None  # epoch seconds
    login_time: float | None = None
    available: bool = False


@dataclass(frozen=True)
class CallerView:
    """A caller waiting in a queue: the channel id links to the call and its case."""

    unique_id: str
    channel: str
    position: int
    joined_at: float  # epoch seconds
    wait_s: float = 0.0
    ringing: str | None = None
    connected_to: str | None = None


@dataclass(frozen=True)
class QueueView:
    queue: str
    logged_in: int = 0
    available: int = 0
    paused: int = 0
    in_call: int = 0
    waiting: int = 0
    longest_wait_s: float = 0.0
    completed: int = 0
    abandoned: int = 0
    members: tuple[MemberView, ...] = ()
    callers: tuple[CallerView, ...] = ()


AgentState = Literal["available", "ringing", "in_call", "paused", "unavailable", "logged_out"]


@dataclass(frozen=True)
class AgentView:
    """One agent's phone across all the queues it is logged in to, as a supervisor
    sees it. ``state`` reads in this order: in a call, ringing, paused (in every one
    of its queues), unavailable (phone unregistered), available."""

    interface: str  # PJSIP/1001
    name: str = ""
    state: AgentState = "available"
    paused_reason: str = ""  # while ``paused``
    since: float | None = None  # epoch seconds: when it entered ``state``
    current_call: str | None = None  # the caller's channel id (a LiveCall's call_id)
    queues: tuple[str, ...] = ()


@dataclass(frozen=True)
class QueueBoard:
    """The queues and agents now: what the queue monitor answers the bus when a
    snapshot is built (``synced`` False: unknown, the AMI link is down)."""

    synced: bool = False
    queues: tuple[QueueView, ...] = ()
    agents: tuple[AgentView, ...] = ()


@dataclass(frozen=True, kw_only=True)
class QueueEvent(Event):
    queue: str


@dataclass(frozen=True, kw_only=True)
class QueueMemberAdded(QueueEvent):
    type: ClassVar[str] = "queue.member_added"
    member: MemberView


@dataclass(frozen=True, kw_only=True)
class QueueMemberChanged(QueueEvent):
    """Paused, unpaused, in a call, phone (un)reachable…; ``cause`` is the AMI event."""

    type: ClassVar[str] = "queue.member_changed"
    member: MemberView
    cause: str = ""


@dataclass(frozen=True, kw_only=True)
class QueueMemberRemoved(QueueEvent):
    type: ClassVar[str] = "queue.member_removed"
    interface: str


@dataclass(frozen=True, kw_only=True)
class QueueCallerJoined(QueueEvent):
    type: ClassVar[str] = "queue.caller_joined"
    caller: CallerView
    waiting: int

    @property
    def unique_id(self) -> str:
        return self.caller.unique_id


@dataclass(frozen=True, kw_only=True)
class QueueCallerLeft(QueueEvent):
    """Every caller leaves: answered, abandoned, timed out, or gone to the voicebot."""

    type: ClassVar[str] = "queue.caller_left"
    unique_id: str
    wait_s: float | None
    waiting: int


@dataclass(frozen=True, kw_only=True)
class QueueCallerAbandoned(QueueEvent):
    type: ClassVar[str] = "queue.caller_abandoned"
    unique_id: str
    wait_s: float | None
    original_position: int = 0
    abandoned: int = 0  # the queue's count, this one included


@dataclass(frozen=True, kw_only=True)
class AgentCalled(QueueEvent):
    type: ClassVar[str] = "queue.agent_called"
    unique_id: str
    member: str
    member_name: str = ""


@dataclass(frozen=True, kw_only=True)
class AgentRingNoAnswer(QueueEvent):
    type: ClassVar[str] = "queue.agent_no_answer"
    unique_id: str
    member: str


@dataclass(frozen=True, kw_only=True)
class AgentConnected(QueueEvent):
    type: ClassVar[str] = "queue.agent_connected"
    unique_id: str
    member: str
    member_name: str = ""
    agent_channel: str = ""
    agent_unique_id: str = ""  # the agent leg's channel id (AMI DestUniqueid)
    wait_s: float | None = None


@dataclass(frozen=True, kw_only=True)
class AgentCompleted(QueueEvent):
    type: ClassVar[str] = "queue.agent_completed"
    unique_id: str
    member: str
    wait_s: float | None = None
    talk_s: float | None = None
    reason: str | None = None  # caller | agent | transfer
    completed: int = 0  # the queue's count, this one included


@dataclass(frozen=True, kw_only=True)
class AgentChanged(Event):
    """An agent's view changed (state, pause reason, current call, queues); sent
    after the queue events that caused it. ``logged_out``: gone from every queue."""

    type: ClassVar[str] = "agent.changed"
    agent: AgentView


@dataclass(frozen=True, kw_only=True)
class QueuesSynced(Event):
    """The whole queue state, read again from Asterisk (after every AMI connect)."""

    type: ClassVar[str] = "queue.synced"
    queues: tuple[QueueView, ...]
    agents: tuple[AgentView, ...] = ()


@dataclass(frozen=True, kw_only=True)
class QueuesUnsynced(Event):
    """The AMI connection is down: the queue state is stale until the next sync."""

    type: ClassVar[str] = "queue.unsynced"


# --- desk: agent states (D3) ------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DeskStateChanged(Event):
    """A desk account's state, as its page set it (or the server: the wrap-up timer,
    the tab closed): available | paused | wrapup | logged_out. ``until``: when a
    wrap-up ends by itself. ``since``: when this state began, as stored; a page
    shows the newest it was told of, whichever way (its own request's answer, the
    feed, the presence socket) the news came, and in whatever order it arrived."""

    type: ClassVar[str] = "desk.state_changed"
    username: str
    state: str
    reason: str = ""
    until: dt.datetime | None = None
    queues: tuple[str, ...] = ()
    since: dt.datetime | None = None


# --- live assist (D4) -------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AssistLine(CallEvent):
    """A line of an agent call's live transcript, both legs heard apart (``agent``:
    the desk account's username). An interim text (``final`` False) during a long
    utterance shares ``seq`` with the final text that replaces it. ``speech_end_at``:
    when the speaker stopped, as the server heard it (final lines; measurements)."""

    type: ClassVar[str] = "call.assist_line"
    agent: str
    speaker: Speaker
    text: str
    final: bool
    seq: int
    started_at: dt.datetime
    speech_end_at: dt.datetime | None = None


@dataclass(frozen=True)
class SuggestedCard:
    """One card suggested to the agent: its calibrated ``confidence``, ``why`` it
    matched (terms, the card question it is near), ``answer`` to read out."""

    card_id: str
    title: str
    confidence: float
    why: str
    answer: str
    service: str


@dataclass(frozen=True, kw_only=True)
class AssistSuggested(CallEvent):
    """Up to three cards for the caller's words so far (``query``); ``reliable`` False:
    none reaches the operating point (the page says "no reliable card")."""

    type: ClassVar[str] = "call.assist_suggested"
    agent: str
    query: str
    cards: tuple[SuggestedCard, ...]
    reliable: bool
    for_seq: int


# --- desk: the case on ring and its wrap-up (D5) ------------------------------------


@dataclass(frozen=True)
class TriedCard:
    """A card the voicebot proposed on the case (what was already tried)."""

    card_id: str
    title: str | None
    confidence: float


@dataclass(frozen=True, kw_only=True)
class CaseOffered(CallEvent):
    """app_queue rings a desk account (``agent``: its username) for a call: what the
    page shows on ring. ``caller`` masked; ``turns`` the last (speaker, text) of the
    transcript; ``handed_over`` why the voicebot gave the call to people ("" when it
    came straight to the queue); ``summary`` the case summary (the escalation's,
    for an expert). ``role``: agent (reception queue) or expert (a service's)."""

    type: ClassVar[str] = "desk.case_offered"
    agent: str
    queue: str
    role: str = "agent"
    caller: str = ""
    language: str = ""
    summary: str | None = None
    handed_over: str = ""
    topic: str | None = None
    service: str | None = None
    turns: tuple[tuple[str, str], ...] = ()
    cards: tuple[TriedCard, ...] = ()


@dataclass(frozen=True, kw_only=True)
class CaseWrappedUp(CallEvent):
    """A desk account wrapped its part of a case up: ``action`` first_level |
    escalated | callback | transferred, with its wrap-up ``code``; ``target`` the
    service escalated to, the callback's reference, or whom it was transferred to."""

    type: ClassVar[str] = "desk.case_wrapped_up"
    agent: str
    action: str
    code: str = ""
    target: str = ""
    card_id: str | None = None


# --- experts' callbacks: click-to-call and outcomes (E1) ----------------------------


@dataclass(frozen=True, kw_only=True)
class CallbackDialing(Event):
    """An expert clicked "call": their phone rings, then the callback's stored number
    is dialled on the outbound trunk. No number here (events carry none)."""

    type: ClassVar[str] = "callback.dialing"
    callback_id: str
    reference: str
    account: str
    service: str | None = None
    attempt: int = 1
    channel_id: str = ""


@dataclass(frozen=True, kw_only=True)
class CallbackAttempted(Event):
    """An attempt's outcome: reached_solved | reached_follow_up | no_answer |
    wrong_number; ``next_due_by`` after a no-answer with attempts left, ``given_up``
    after the last one (an SMS then tells the citizen) or a wrong number."""

    type: ClassVar[str] = "callback.attempted"
    callback_id: str
    reference: str
    account: str
    outcome: str
    service: str | None = None
    attempt: int = 1
    next_due_by: dt.datetime | None = None
    given_up: bool = False


# --- opening: the operators' mode and today's closures (E2, the wallboard) --------


@dataclass(frozen=True, kw_only=True)
class RoutingModeChanged(Event):
    """An operator set the day/night/auto mode (``by``: ``web:<login>``, ``cli:…``)."""

    type: ClassVar[str] = "routing.mode_changed"
    mode: str
    by: str = ""


@dataclass(frozen=True, kw_only=True)
class ClosureAdded(Event):
    """An exceptional closure added without editing the flow (a strike, a snow day):
    calls between ``starts_at`` and ``ends_at`` go to the voicebot, as closed."""

    type: ClassVar[str] = "routing.closure_added"
    closure_id: int
    reason: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    by: str = ""


@dataclass(frozen=True, kw_only=True)
class ClosureRemoved(Event):
    type: ClassVar[str] = "routing.closure_removed"
    closure_id: int
    by: str = ""


# --- supervision: listen, whisper, barge (E3) --------------------------------------


@dataclass(frozen=True, kw_only=True)
class SupervisionChanged(CallEvent):
    """A supervisor is on an agent call (``mode`` listen | whisper | barge), or no
    longer (``off``); ``agent``: the desk account the caller talks to, whose page
    shows a discreet indicator. Sent by the telephony side once it is true."""

    type: ClassVar[str] = "call.supervision"
    agent: str
    supervisor: str
    mode: str


# --- website chat (W1) -------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ChatEvent(Event):
    """A website chat conversation (``chat_id`` is its case id); never its text: the
    feed goes to every desk, the transcript only to the agent who takes it."""

    chat_id: str
    lang: str = "fr"


@dataclass(frozen=True, kw_only=True)
class ChatWaiting(ChatEvent):
    """The bot handed a chat over: it waits for a reception agent."""

    type: ClassVar[str] = "chat.waiting"


@dataclass(frozen=True, kw_only=True)
class ChatTaken(ChatEvent):
    type: ClassVar[str] = "chat.taken"
    agent: str


@dataclass(frozen=True, kw_only=True)
class ChatEnded(ChatEvent):
    type: ClassVar[str] = "chat.ended"
    agent: str | None = None
    by: str = "visitor"  # visitor | agent | idle


# --- the snapshot a late subscriber starts from -----------------------------------


@dataclass(frozen=True)
class LiveCall:
    """A call in progress, as the wallboard shows it (folded from the call events)."""

    call_id: str
    case_id: str = ""
    caller: str = ""  # masked
    started_at: dt.datetime | None = None
    state: str = "new"  # routed target or last step: voicebot, queue, callback…
    language: str = ""
    topic: str | None = None  # the title of the last card proposed
    service: str | None = None
    confidence: float | None = None
    queue: str | None = None
    handed_over: str | None = None  # why the bot handed over
    agent: str | None = None  # who took it from a queue (member name or interface)
    transcript: tuple[tuple[str, str], ...] = ()  # (speaker, text), the last turns


@dataclass(frozen=True, kw_only=True)
class Snapshot(Event):
    """What is true now; sent first to a subscriber that asks, then the changes.
    ``queues_synced`` False: the queue part is unknown (AMI down, no monitor)."""

    type: ClassVar[str] = "snapshot"
    calls: tuple[LiveCall, ...] = ()
    queues: tuple[QueueView, ...] = ()
    agents: tuple[AgentView, ...] = ()
    queues_synced: bool = False
