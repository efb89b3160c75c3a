"""Call flows as data and pure decisions: opening hours, holidays, closures,
language choice, prompts (``default.yaml``), their loader and validator, the
operators' day/night mode as stored, and where the next call goes.

Nothing here talks to Asterisk: the FastAGI server, the dialplan rendering and the
AstDB mirror of the mode are telephony and live in ``pbx``.
"""

from ivr_flows.calendar import is_open, next_opening, opening_slots
from ivr_flows.closures import TimedClosure, add_closure, current_closures, remove_closure
from ivr_flows.decision import Mode, Reason, RoutingDecision, Target, route
from ivr_flows.errors import FlowError, ModeError, RoutingError
from ivr_flows.loader import DEFAULT_FLOW, flow_path, load_flow, load_flow_for, parse_flow
from ivr_flows.mode import read_mode, write_mode
from ivr_flows.model import Flow, Language

__all__ = [
    "DEFAULT_FLOW",
    "Flow",
    "FlowError",
    "Language",
    "Mode",
    "ModeError",
    "Reason",
    "RoutingDecision",
    "RoutingError",
    "Target",
    "TimedClosure",
    "add_closure",
    "current_closures",
    "flow_path",
    "is_open",
    "load_flow",
    "load_flow_for",
    "next_opening",
    "opening_slots",
    "parse_flow",
    "read_mode",
    "remove_closure",
    "route",
    "write_mode",
]
