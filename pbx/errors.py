"""The pbx layer's exceptions. ARI and AMI failures are translated into these at the
boundary, so callers never see an HTTP status or a socket error."""

from guichet.errors import GuichetError


class PbxError(GuichetError):
    """Base of the pbx layer."""


class AsteriskRuntimeError(PbxError):
    """The development Asterisk could not be provisioned, started or stopped."""


class AriError(PbxError):
    """ARI answered with an error, or could not be reached."""


class AriUnavailable(AriError):
    """ARI is not reachable (Asterisk down, wrong address)."""


class AriNotFound(AriError):
    """The ARI object (channel, bridge, playback) does not exist (HTTP 404)."""

    def __init__(self, kind: str, object_id: str) -> None:
        super().__init__(f"{kind} {object_id} not found")
        self.kind = kind
        self.object_id = object_id


class CallNotFound(AriNotFound):
    """The call's channel is gone."""

    def __init__(self, call_id: str) -> None:
        super().__init__("channel", call_id)
        self.call_id = call_id


class AriConflict(AriError):
    """The object is in the wrong state for the request (HTTP 409/412/422)."""
