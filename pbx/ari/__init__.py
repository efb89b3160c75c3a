"""Asterisk REST Interface: typed events, the REST client, the events websocket."""

from pbx.ari.events import (
    AriEvent,
    Caller,
    Channel,
    ChannelDestroyed,
    ChannelDtmfReceived,
    ChannelEvent,
    ChannelHangupRequest,
    ChannelStateChange,
    Playback,
    PlaybackEvent,
    PlaybackFinished,
    PlaybackStarted,
    StasisEnd,
    StasisStart,
    parse_event,
)
from pbx.ari.rest import AriRest
from pbx.ari.socket import AriEventSocket

__all__ = [
    "AriEvent",
    "AriEventSocket",
    "AriRest",
    "Caller",
    "Channel",
    "ChannelDestroyed",
    "ChannelDtmfReceived",
    "ChannelEvent",
    "ChannelHangupRequest",
    "ChannelStateChange",
    "Playback",
    "PlaybackEvent",
    "PlaybackFinished",
    "PlaybackStarted",
    "StasisEnd",
    "StasisStart",
    "parse_event",
]
