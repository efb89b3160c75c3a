"""The agent desk's call side: :class:`PbxDesk` implements
:class:`guichet.desk.DeskControl` (agent states through app_queue over AMI; the
escalation of a call to a service queue). The shell hands it to the web app."""

from pbx.desk.control import PbxDesk
from pbx.desk.queues import desk_queues

__all__ = ["PbxDesk", "desk_queues"]
