"""The flow as the controller-down dialplan needs it: Asterisk sound lists and
``GotoIfTime()`` specs. ``pbx.asterisk_config.render_all`` passes it to the
templates as ``flow``; extensions.conf's ``[controller-down]`` uses it (and so does
``[guichet-error]``, the last resort of a call the controller cannot serve), and
the trunk's entry its absolute call time limit.

GotoIfTime has no year field, so holidays and closures are rendered for the 365
days from the render (every Asterisk start renders anew); a date further away
would wrongly match the same day-month of the coming year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from guichet.settings import Settings
from ivr_flows.calendar import DayKind, schedule
from ivr_flows.loader import load_flow_for
from ivr_flows.model import WEEKDAYS, Flow, Prompt, TimeRange

WINDOW_DAYS = 365
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


@dataclass(frozen=True)
class TimeCheck:
    spec: str  # GotoIfTime's "times,weekdays,mdays,months,timezone"
    target: str  # the extension to go to when it matches: open or closed
    comment: str


@dataclass(frozen=True)
class DialplanFlow:
    name: str
    queue: str
    queue_timeout_s: int
    agi_url: str
    checks: list[TimeCheck]  # in order; the first that matches wins, else closed
    sounds: dict[str, str]  # prompt name -> "a&b" for Playback(), "" if none
    voicebot_key: str | None = None  # pressed while waiting in a queue: the voicebot
    # a call from the trunk is hung up after this long, whatever else happens
    max_call_s: int = 3600

    def playback(self, prompt: str) -> str:
        return self.sounds[prompt]


def _times(r: TimeRange) -> str:
    # Asterisk includes the end minute; the flow's end is excluded
    last = (dt.datetime.combine(dt.date.min, r.end) - dt.timedelta(minutes=1)).time()
    return f"{r.start:%H:%M}-{last:%H:%M}"


def _on(day: dt.date) -> str:
    return f"*,{day.day},{_MONTHS[day.month - 1]}"


def _sounds(prompt: Prompt) -> str:
    return "&".join(prompt.sounds)


def dialplan_flow(flow: Flow, settings: Settings, today: dt.date | None = None) -> DialplanFlow:
    zone = flow.timezone
    start = today or dt.datetime.now(flow.zone).date()
    # Precedence as in ivr_flows.calendar: a day with exceptional hours or a closure
    # is settled by its own checks (open in its ranges, else closed all day), before
    # the weekly hours are looked at.
    checks: list[TimeCheck] = []
    for offset in range(WINDOW_DAYS):
        day = start + dt.timedelta(days=offset)
        sched = schedule(flow, day)
        if sched.kind is DayKind.REGULAR:
            continue
        note = f"{day}: {sched.reason}"
        checks.extend(
            TimeCheck(f"{_times(r)},{_on(day)},{zone}", "open", note) for r in sched.ranges
        )
        checks.append(TimeCheck(f"*,{_on(day)},{zone}", "closed", note))
    checks.extend(
        TimeCheck(f"{_times(r)},{name[:3]},*,*,{zone}", "open", name)
        for index, name in enumerate(WEEKDAYS)
        for r in flow.hours.for_weekday(index)
    )
    prompts = flow.prompts[flow.languages.default]
    sounds = {name: _sounds(getattr(prompts, name)) for name in type(prompts).model_fields}
    return DialplanFlow(
        name=flow.name,
        queue=flow.when_open.queue,
        queue_timeout_s=flow.when_open.queue_timeout_s,
        agi_url=f"agi://{settings.agi_host}:{settings.agi_port}/route",
        checks=checks,
        sounds=sounds,
        voicebot_key=flow.when_open.voicebot_key,
        max_call_s=settings.call_max_duration_s,
    )


def render_context(settings: Settings) -> DialplanFlow:
    """What ``render_all`` adds to the templates as ``flow``."""
    return dialplan_flow(load_flow_for(settings), settings)
