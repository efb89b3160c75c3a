"""The Asterisk Manager Interface, the one entry point to it: a logged-in connection
(:class:`AmiConnection`, short-lived through :func:`ami_session` and
:func:`run_command`) and the long-lived, reconnecting :class:`AmiEventSocket`."""

from pbx.ami.connection import (
    AmiActionFailed,
    AmiConfig,
    AmiConnection,
    AmiEvent,
    ami_session,
    run_command,
)
from pbx.ami.socket import AmiEventSocket

__all__ = [
    "AmiActionFailed",
    "AmiConfig",
    "AmiConnection",
    "AmiEvent",
    "AmiEventSocket",
    "ami_session",
    "run_command",
]
