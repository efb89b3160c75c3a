"""The Asterisk Manager Interface, the one entry point to it: a logged-in connection
(:class:`AmiConnection`, short-lived through :func:`ami_session` and
:func:`run_on_ami`) and the long-lived, reconnecting :class:`AmiEventSocket`."""

from pbx.ami.connection import (
    AmiActionFailed,
    AmiConfig,
    AmiConnection,
    AmiEvent,
    ami_session,
    run_on_ami,
)
from pbx.ami.socket import AmiEventSocket

__all__ = [
    "AmiActionFailed",
    "AmiConfig",
    "AmiConnection",
    "AmiEvent",
    "AmiEventSocket",
    "ami_session",
    "run_on_ami",
]
