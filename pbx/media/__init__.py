"""Call audio between Asterisk and Python: the caller bridged with a chan_websocket
externalMedia channel (:class:`MediaLink`), whose websocket carries signed-linear
audio at the rate Asterisk announces (:class:`MediaStart`)."""

from pbx.media.chan_websocket import ChanWebSocketMedia, MediaStart
from pbx.media.link import MEDIA_CHANNEL_PREFIX, ExpectStasisStart, MediaLink

__all__ = [
    "MEDIA_CHANNEL_PREFIX",
    "ChanWebSocketMedia",
    "ExpectStasisStart",
    "MediaLink",
    "MediaStart",
]
