"""The telephony side: the Asterisk runtime (provision, render, start, stop), the
ARI and AMI clients, the calls and their features, the media bridge, the FastAGI
router and the dialplan rendering.

The face below is what the shell wires (``guichet up``, ``guichet status``). It
loads on first use: ``import pbx.errors`` or ``guichet asterisk status`` must not
load the call side (the case file, the voicebot's pipeline). A name here must not
be a submodule's too: once ``pbx.credentials`` is imported, ``from pbx import
credentials`` is that module, whatever the face says."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pbx.asterisk_config import sip_usernames
    from pbx.asterisk_process import load_secrets, make_runtime
    from pbx.fastagi import serve_fastagi
    from pbx.queues import fetch_queue_state, format_queues
    from pbx.service import load_knowledge, serve_controller

__all__ = [
    "fetch_queue_state",
    "format_queues",
    "load_knowledge",
    "load_secrets",
    "make_runtime",
    "serve_controller",
    "serve_fastagi",
    "sip_usernames",
]

_FACE = {
    "fetch_queue_state": "pbx.queues",
    "format_queues": "pbx.queues",
    "load_knowledge": "pbx.service",
    "load_secrets": "pbx.asterisk_process",
    "make_runtime": "pbx.asterisk_process",
    "serve_controller": "pbx.service",
    "serve_fastagi": "pbx.fastagi",
    "sip_usernames": "pbx.asterisk_config",
}


def __getattr__(name: str) -> Any:
    module = _FACE.get(name)
    if module is None:
        raise AttributeError(f"module 'pbx' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
