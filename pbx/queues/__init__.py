"""Queues and agents (app_queue): the live state folded from AMI (``state``), the
monitor that keeps it and publishes it on the bus (``monitor``), the agents'
controls, the KPI rows (``store``), the case tracker of queued calls (``cases``), the
hand-over to people and the TRANSFERRING step (``flow``), and
``guichet queues`` (``cli``, loaded by the shell on its own: it needs click)."""

from pbx.queues.cases import track_queued_cases
from pbx.queues.flow import QUEUE_CONTEXT, HandOver, QueueStep
from pbx.queues.monitor import (
    AgentControl,
    QueueMonitor,
    fetch_queue_state,
    format_queues,
    interface_for,
    read_queue_state,
    serve_queue_monitor,
)
from pbx.queues.state import Caller, Change, DeviceState, Member, Queue, QueueKpi, QueueState
from pbx.queues.store import QueueEventRecord, QueueEventRepository

__all__ = [
    "QUEUE_CONTEXT",
    "AgentControl",
    "Caller",
    "Change",
    "DeviceState",
    "HandOver",
    "Member",
    "Queue",
    "QueueEventRecord",
    "QueueEventRepository",
    "QueueKpi",
    "QueueMonitor",
    "QueueState",
    "QueueStep",
    "fetch_queue_state",
    "format_queues",
    "interface_for",
    "read_queue_state",
    "serve_queue_monitor",
    "track_queued_cases",
]
