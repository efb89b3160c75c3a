"""Asterisk REST Interface: typed events, the REST client, the events websocket, one
application's channels and its clean-up after a restart."""

from pbx.ari.application import AppChannels, AriConnection
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
    "AppChannels",
    "AriConnection",
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
