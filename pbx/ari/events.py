"""ARI events as typed dataclasses, keeping Asterisk's names (``StasisStart``,
``ChannelDtmfReceived``…). Events Guichet does not model arrive as
:class:`AriEvent` with their raw payload, never as an error."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Caller:
    name: str
    number: str


@dataclass(frozen=True)
class Channel:
    id: str
    name: str
    state: str
    caller: Caller
    dialplan_exten: str
    language: str

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Channel:
        caller = raw.get("caller") or {}
        dialplan = raw.get("dialplan") or {}
        return cls(
            id=str(raw.get("id", "")),
            name=str(raw.get("name", "")),
            state=str(raw.get("state", "")),
            caller=Caller(str(caller.get("name", "")), str(caller.get("number", ""))),
            dialplan_exten=str(dialplan.get("exten", "")),
            language=str(raw.get("language", "")),
        )


@dataclass(frozen=True)
class Playback:
    id: str
    media_uri: str
    target_uri: str
    state: str

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Playback:
        return cls(
            id=str(raw.get("id", "")),
            media_uri=str(raw.get("media_uri", "")),
            target_uri=str(raw.get("target_uri", "")),
            state=str(raw.get("state", "")),
        )

    @property
    def channel_id(self) -> str | None:
        prefix = "channel:"
        return self.target_uri[len(prefix) :] if self.target_uri.startswith(prefix) else None


@dataclass(frozen=True)
class AriEvent:
    type: str
    application: str
    raw: dict[str, Any] = field(repr=False)

    @property
    def channel_id(self) -> str | None:
        return None


@dataclass(frozen=True)
class ChannelEvent(AriEvent):
    channel: Channel

    @property
    def channel_id(self) -> str | None:
        return self.channel.id


@dataclass(frozen=True)
class StasisStart(ChannelEvent):
    args: tuple[str, ...]


@dataclass(frozen=True)
class StasisEnd(ChannelEvent):
    pass


@dataclass(frozen=True)
class ChannelStateChange(ChannelEvent):
    pass


@dataclass(frozen=True)
class ChannelDtmfReceived(ChannelEvent):
    digit: str
    duration_ms: int


@dataclass(frozen=True)
class ChannelHangupRequest(ChannelEvent):
    cause: int


@dataclass(frozen=True)
class ChannelDestroyed(ChannelEvent):
    cause: int
    cause_txt: str


@dataclass(frozen=True)
class PlaybackEvent(AriEvent):
    playback: Playback

    @property
    def channel_id(self) -> str | None:
        return self.playback.channel_id


@dataclass(frozen=True)
class PlaybackStarted(PlaybackEvent):
    pass


@dataclass(frozen=True)
class PlaybackFinished(PlaybackEvent):
    pass


def parse_event(raw: dict[str, Any]) -> AriEvent:
    kind = str(raw.get("type", ""))
    app = str(raw.get("application", ""))
    if kind in _CHANNEL_EVENTS and isinstance(raw.get("channel"), dict):
        channel = Channel.from_json(raw["channel"])
        if kind == "StasisStart":
            return StasisStart(kind, app, raw, channel, tuple(raw.get("args") or ()))
        if kind == "ChannelDtmfReceived":
            return ChannelDtmfReceived(
                kind, app, raw, channel, str(raw.get("digit", "")), int(raw.get("duration_ms", 0))
            )
        if kind == "ChannelHangupRequest":
            return ChannelHangupRequest(kind, app, raw, channel, int(raw.get("cause", 0)))
        if kind == "ChannelDestroyed":
            return ChannelDestroyed(
                kind, app, raw, channel, int(raw.get("cause", 0)), str(raw.get("cause_txt", ""))
            )
        return _CHANNEL_EVENTS[kind](kind, app, raw, channel)
    if kind in _PLAYBACK_EVENTS and isinstance(raw.get("playback"), dict):
        return _PLAYBACK_EVENTS[kind](kind, app, raw, Playback.from_json(raw["playback"]))
    return AriEvent(kind, app, raw)


_CHANNEL_EVENTS: dict[str, type[ChannelEvent]] = {
    "StasisStart": StasisStart,
    "StasisEnd": StasisEnd,
    "ChannelStateChange": ChannelStateChange,
    "ChannelDtmfReceived": ChannelDtmfReceived,
    "ChannelHangupRequest": ChannelHangupRequest,
    "ChannelDestroyed": ChannelDestroyed,
}
_PLAYBACK_EVENTS: dict[str, type[PlaybackEvent]] = {
    "PlaybackStarted": PlaybackStarted,
    "PlaybackFinished": PlaybackFinished,
}
