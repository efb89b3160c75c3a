"""Listen, whisper and barge on a live agent call: :class:`PbxSupervision`
implements :class:`guichet.supervision.SupervisionControl` with an ARI snoop on the
agent's channel bridged with the supervisor's own softphone.

- ``modes``: which snoop each mode is (and why a snoop, not app_queue's bridge).
- ``session``: one supervisor on one call.
- ``service``: supervision's ARI application, the queue-event follower, the Protocol.
"""

from pbx.supervision.modes import SNOOP_WHISPER, snoop_params
from pbx.supervision.service import PbxSupervision, softphone_endpoint
from pbx.supervision.session import SUPERVISION_PREFIX, SupervisedCall

__all__ = [
    "SNOOP_WHISPER",
    "SUPERVISION_PREFIX",
    "PbxSupervision",
    "SupervisedCall",
    "snoop_params",
    "softphone_endpoint",
]
