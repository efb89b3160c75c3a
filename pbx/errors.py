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


class MediaError(PbxError):
    """The call's media connection failed or is gone."""


class AmiError(PbxError):
    """AMI answered with an error, did not answer in time, or could not be reached."""


class AmiUnavailable(AmiError):
    """AMI is not reachable or refused the login (Asterisk down, wrong secret)."""


class QueueNotFound(AmiError):
    """app_queue has no queue of that name (not in the ``queues`` setting)."""

    def __init__(self, queue: str) -> None:
        super().__init__(f"no queue {queue!r}")
        self.queue = queue


class MemberNotFound(AmiError):
    """The agent is not logged in to that queue."""

    def __init__(self, member: str, queue: str | None) -> None:
        where = f"queue {queue!r}" if queue else "any queue"
        super().__init__(f"{member} is not logged in to {where}")
        self.member = member
        self.queue = queue
