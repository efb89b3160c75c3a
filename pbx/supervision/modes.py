"""How each supervision mode is made: one ARI snoop on the agent's channel.

``spy=both`` gives the supervisor the agent's channel both ways: what the agent says
(its read side) and what the agent hears, i.e. the caller (its write side). What the
supervisor says goes where ``whisper`` points:

- listen: ``none``, nobody hears it;
- whisper: ``out``, into what the agent's channel is sent: the agent's ear only;
- barge: ``both``, the agent's ear and what the agent's channel sends into
  app_queue's bridge, i.e. the caller's ear: the three hear each other.

Why a snoop for barge rather than joining the bridge app_queue made: that bridge is
app_queue's, not a Stasis one, and ARI can only add channels to its own bridges;
moving both parties into a Stasis bridge would take the call away from app_queue
(its talk time, its completion events, the desk's transfers). A snoop leaves the call
where it is, and changing mode is only a new snoop: the supervisor's phone stays up.
"""

from __future__ import annotations

from typing import Final

from guichet.supervision import SupervisionMode

__all__ = ["SNOOP_WHISPER", "snoop_params"]

SNOOP_WHISPER: Final[dict[SupervisionMode, str]] = {
    "listen": "none",
    "whisper": "out",
    "barge": "both",
}


def snoop_params(mode: SupervisionMode, *, app: str, snoop_id: str) -> dict[str, str]:
    """The ``POST /channels/{agent}/snoop`` parameters for ``mode``."""
    return {"spy": "both", "whisper": SNOOP_WHISPER[mode], "app": app, "snoopId": snoop_id}
