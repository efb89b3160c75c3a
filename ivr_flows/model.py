"""The call flow as data: pydantic models for ``ivr_flows/*.yaml``.

Validation happens once, at load: a flow that loads is a flow the dialplan and the
controller can use without further checks (ranges ordered, no overlaps, a prompt for
every language, a known time zone...).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

Language = Literal["fr", "en"]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[Weekday, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_DTMF = re.compile(r"^[0-9*#]$")
# Asterisk sound names: a path under sounds/<lang>/ without extension
_SOUND = re.compile(r"^[A-Za-z0-9_./-]+$")


def parse_time(text: str) -> dt.time:
    m = _TIME.match(text.strip())
    if m is None or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ValueError(f"'{text.strip()}' is not a time")
    return dt.time(int(m.group(1)), int(m.group(2)))


class TimeRange(BaseModel):
    """``08:30-12:00``: open from 08:30 included to 12:00 excluded (local time)."""

    model_config = ConfigDict(frozen=True)

    start: dt.time
    end: dt.time

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def contains(self, moment: dt.time) -> bool:
        return self.start <= moment < self.end


def _parse_range(value: object) -> object:
    if isinstance(value, TimeRange | dict):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a time range like '08:30-12:00'")  # noqa: TRY004
    parts = value.split("-")
    if len(parts) != 2:
        raise ValueError(f"'{value}' is not a time range like '08:30-12:00'")
    start, end = parse_time(parts[0]), parse_time(parts[1])
    if end <= start:
        raise ValueError(f"'{value}' ends before it starts")
    return {"start": start, "end": end}


Range = Annotated[TimeRange, BeforeValidator(_parse_range)]


def _no_overlap(ranges: list[TimeRange]) -> list[TimeRange]:
    ordered = sorted(ranges, key=lambda r: r.start)
    for before, after in itertools.pairwise(ordered):
        if after.start < before.end:
            raise ValueError(f"'{before}' and '{after}' overlap")
    return ordered


DayRanges = Annotated[list[Range], AfterValidator(_no_overlap)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Hours(Strict):
    """Opening hours per weekday; a missing or empty day is closed all day."""

    monday: DayRanges = Field(default_factory=list)
    tuesday: DayRanges = Field(default_factory=list)
    wednesday: DayRanges = Field(default_factory=list)
    thursday: DayRanges = Field(default_factory=list)
    friday: DayRanges = Field(default_factory=list)
    saturday: DayRanges = Field(default_factory=list)
    sunday: DayRanges = Field(default_factory=list)

    def for_weekday(self, weekday: int) -> list[TimeRange]:
        """``weekday`` as :meth:`date.weekday` (0 = Monday)."""
        ranges: list[TimeRange] = getattr(self, WEEKDAYS[weekday])
        return ranges


class Holidays(Strict):
    """French public holidays are computed, not listed: the file only says which set."""

    enabled: bool = True
    # Alsace-Moselle adds Good Friday and St Stephen's Day (26 December)
    alsace_moselle: bool = False


class Closure(Strict):
    """Closed all day on ``date``, or from ``start`` to ``end`` included."""

    date: dt.date | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    reason: str = Field(min_length=1)

    @model_validator(mode="after")
    def _one_form(self) -> Closure:
        if self.date is not None and (self.start or self.end):
            raise ValueError("give either 'date' or 'start'/'end', not both")
        if self.date is None and (self.start is None or self.end is None):
            raise ValueError("give 'date', or both 'start' and 'end'")
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"ends ({self.end}) before it starts ({self.start})")
        return self

    @property
    def first(self) -> dt.date:
        first = self.date or self.start
        assert first is not None  # validated
        return first

    @property
    def last(self) -> dt.date:
        last = self.date or self.end
        assert last is not None  # validated
        return last

    def covers(self, day: dt.date) -> bool:
        return self.first <= day <= self.last


class Opening(Strict):
    """An exceptional opening (election day, a Saturday morning...): these hours
    replace the usual ones that day, holiday or not."""

    date: dt.date
    hours: DayRanges = Field(min_length=1)
    reason: str = Field(min_length=1)


def _sound(value: str) -> str:
    if not _SOUND.match(value):
        raise ValueError(f"'{value}' is not an Asterisk sound name")
    return value


class Prompt(Strict):
    """One thing said to callers: ``text`` for the voicebot's speech synthesis,
    ``sounds`` (Asterisk sound names, played in order) for the dialplan when the
    controller is down."""

    text: str = Field(min_length=1)
    sounds: list[Annotated[str, AfterValidator(_sound)]] = Field(default_factory=list)


# where a caller can learn more: a web address, or the city's website named in words
_LEARN_MORE = re.compile(
    r"https?://|\bwww\.|\b[\w-]+\.(?:fr|com|org|net|eu|re|gp|mq|gf|yt|pm|nc|pf)\b"
    r"|\bsites?\b|\bwebsite\b|\bweb\b|\binternet\b",
    re.IGNORECASE,
)


class PrivacyNotice(Prompt):
    """Said by the voicebot with its greeting: the call is handled by an automated
    assistant and transcribed, and where to learn more about the caller's data (the
    CNIL asks that people be told when a call is recorded, and where to read the
    rest: purposes, retention, rights)."""

    @field_validator("text")
    @classmethod
    def _says_where_to_learn_more(cls, value: str) -> str:
        if not _LEARN_MORE.search(value):
            raise ValueError(
                "the privacy notice must say where to learn more: a web address, or "
                "the city's website"
            )
        return value


class Prompts(Strict):
    """What is said, per language. ``controller_down`` opens the dialplan's own path
    (no voicebot there), before the queue or the closed message."""

    greeting: Prompt
    privacy_notice: PrivacyNotice
    language_choice: Prompt
    closed: Prompt
    no_agent: Prompt
    hold: Prompt
    voicebot_offer: Prompt
    callback_offer: Prompt
    controller_down: Prompt


class LanguageChoice(Strict):
    """ "For English, press 2, or say 'English'"."""

    language: Language = "en"
    key: str = "2"
    words: list[str] = Field(default_factory=lambda: ["english", "anglais"], min_length=1)

    @field_validator("key")
    @classmethod
    def _dtmf(cls, value: str) -> str:
        if not _DTMF.match(value):
            raise ValueError(f"'{value}' is not a phone key (0-9, * or #)")
        return value


class Languages(Strict):
    default: Language = "fr"
    choice: LanguageChoice | None = Field(default_factory=LanguageChoice)


class WhenOpen(Strict):
    queue: str = Field(pattern=r"^[a-z0-9_-]+$")
    # while waiting in the queue the caller may switch to the voicebot
    voicebot_key: str | None = "9"
    voicebot_words: list[str] = Field(default_factory=lambda: ["assistant"])
    announce_position: bool = True
    announce_wait: bool = True
    queue_timeout_s: int = Field(default=300, gt=0)

    @field_validator("voicebot_key")
    @classmethod
    def _dtmf(cls, value: str | None) -> str | None:
        if value is not None and not _DTMF.match(value):
            raise ValueError(f"'{value}' is not a phone key (0-9, * or #)")
        return value


class WhenClosed(Strict):
    target: Literal["voicebot"] = "voicebot"
    offer_callback: bool = True


class Service(Strict):
    """An expert service a call can be escalated to (the knowledge cards' ``service``)."""

    queue: str = Field(pattern=r"^[a-z0-9_-]+$")
    label: dict[Language, str]

    @field_validator("label")
    @classmethod
    def _both_languages(cls, value: dict[Language, str]) -> dict[Language, str]:
        missing = {"fr", "en"} - set(value)
        if missing:
            raise ValueError(f"missing label for {', '.join(sorted(missing))}")
        return value


class Flow(Strict):
    """A commune's call flow."""

    name: str = Field(min_length=1)
    timezone: str = "Europe/Paris"
    languages: Languages = Field(default_factory=Languages)
    hours: Hours
    holidays: Holidays = Field(default_factory=Holidays)
    closures: list[Closure] = Field(default_factory=list)
    openings: list[Opening] = Field(default_factory=list)
    prompts: dict[Language, Prompts]
    when_open: WhenOpen
    when_closed: WhenClosed = Field(default_factory=WhenClosed)
    services: dict[Annotated[str, Field(pattern=r"^[a-z0-9-]+$")], Service] = Field(
        default_factory=dict
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{value}' is not a time zone") from None
        return value

    @field_validator("prompts")
    @classmethod
    def _every_language(cls, value: dict[Language, Prompts]) -> dict[Language, Prompts]:
        missing = {"fr", "en"} - set(value)
        if missing:
            raise ValueError(f"missing prompts for {', '.join(sorted(missing))}")
        return value

    @model_validator(mode="after")
    def _openings_not_closed(self) -> Flow:
        # an exceptional opening inside an exceptional closure is a contradiction the
        # operator must resolve, not something to guess about
        for opening in self.openings:
            for closure in self.closures:
                if closure.covers(opening.date):
                    raise ValueError(
                        f"opening on {opening.date} falls in closure '{closure.reason}'"
                    )
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def privacy_notices(self) -> dict[Language, str]:
        """The privacy notice per language: what the voicebot's greeting says
        (``voicebot.DialogConfig.notice``)."""
        return {lang: prompts.privacy_notice.text for lang, prompts in self.prompts.items()}
