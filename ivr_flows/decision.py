"""Where the next call goes: a pure function of the flow, the clock, the operators'
day/night mode and whether a reception agent is logged in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from ivr_flows.calendar import DayKind, closing_time, is_open, next_opening, schedule
from ivr_flows.model import Flow, Language


class Mode(StrEnum):
    """The operators' override. ``auto`` follows the flow's hours."""

    DAY = "day"
    NIGHT = "night"
    AUTO = "auto"


class Target(StrEnum):
    RECEPTION_QUEUE = "reception_queue"
    VOICEBOT = "voicebot"


class Reason(StrEnum):
    OPEN = "open"  # opening hours, an agent is logged in
    NO_AGENT = "no_agent"  # opening hours (or forced day), nobody logged in
    FORCED_DAY = "forced_day"  # mode day, an agent is logged in
    FORCED_NIGHT = "forced_night"
    OUTSIDE_HOURS = "outside_hours"
    HOLIDAY = "holiday"
    CLOSURE = "closure"


@dataclass(frozen=True)
class RoutingDecision:
    target: Target
    reason: Reason
    detail: str
    """Human-readable: the holiday's name, the closure's reason, "open until 12:00"."""
    language: Language
    """The flow's default language; the caller may switch (flow.languages.choice)."""
    desk_open: bool
    """Humans are on duty (hours or mode day): the voicebot must offer a human."""
    queue: str
    """The reception queue (for a transfer from the voicebot too)."""
    offer_callback: bool
    next_opening: dt.datetime | None
    """When the desk opens next (flow time zone), for "we open again Monday at 8:30"."""

    @property
    def offer_human(self) -> bool:
        return self.desk_open


class Period(Protocol):
    """A closure added while the flow runs (:class:`ivr_flows.closures.TimedClosure`)."""

    @property
    def reason(self) -> str: ...
    @property
    def ends_at(self) -> dt.datetime: ...
    def covers(self, now: dt.datetime) -> bool: ...


def route(
    flow: Flow,
    now: dt.datetime,
    mode: Mode,
    agents_available: bool,
    closures: Sequence[Period] = (),
) -> RoutingDecision:
    """Decide the next call's first destination. ``now`` must be timezone-aware.
    ``closures``: those an operator added (a strike); like the flow's own closures
    they hold in ``auto`` mode, and ``day``/``night`` override them."""
    language = flow.languages.default
    queue = flow.when_open.queue
    upcoming = next_opening(flow, now)

    if mode is Mode.NIGHT:
        return RoutingDecision(
            Target.VOICEBOT,
            Reason.FORCED_NIGHT,
            "night mode set by an operator",
            language,
            desk_open=False,
            queue=queue,
            offer_callback=flow.when_closed.offer_callback,
            next_opening=None,  # the operators decide when it ends, not the hours
        )

    closed_now = [c for c in closures if c.covers(now)] if mode is Mode.AUTO else []
    if closed_now:
        # the desk opens again at the first opening moment once every closure ends
        ends = max(c.ends_at for c in closed_now)
        return RoutingDecision(
            Target.VOICEBOT,
            Reason.CLOSURE,
            "; ".join(c.reason for c in closed_now),
            language,
            desk_open=False,
            queue=queue,
            offer_callback=flow.when_closed.offer_callback,
            next_opening=next_opening(flow, ends),
        )

    if mode is Mode.DAY or is_open(flow, now):
        if mode is Mode.DAY:
            detail = "day mode set by an operator"
        else:
            until = closing_time(flow, now)
            detail = f"open until {until:%H:%M}" if until else "open"
        if agents_available:
            reason = Reason.FORCED_DAY if mode is Mode.DAY else Reason.OPEN
            return RoutingDecision(
                Target.RECEPTION_QUEUE,
                reason,
                detail,
                language,
                desk_open=True,
                queue=queue,
                offer_callback=False,
                next_opening=upcoming,
            )
        # open but nobody logged in: the voicebot answers and offers a human
        # (the queue, should an agent log in) or a callback
        return RoutingDecision(
            Target.VOICEBOT,
            Reason.NO_AGENT,
            f"{detail}, no reception agent logged in",
            language,
            desk_open=True,
            queue=queue,
            offer_callback=True,
            next_opening=upcoming,
        )

    today = schedule(flow, now.astimezone(flow.zone).date())
    reason = {DayKind.HOLIDAY: Reason.HOLIDAY, DayKind.CLOSURE: Reason.CLOSURE}.get(
        today.kind, Reason.OUTSIDE_HOURS
    )
    return RoutingDecision(
        Target.VOICEBOT,
        reason,
        today.reason or "outside opening hours",
        language,
        desk_open=False,
        queue=queue,
        offer_callback=flow.when_closed.offer_callback,
        next_opening=upcoming,
    )
