"""What a call's steps raise to one another, and how a failure is told in a log."""

from __future__ import annotations

import traceback
from pathlib import Path

from pbx.errors import PbxError

__all__ = ["CallEnded", "StepTimedOut", "VoiceLost", "describe_failure"]


class CallEnded(Exception):
    """The caller's channel left Stasis (hung up, or handed to the dialplan) while
    the call's step waited."""


class StepTimedOut(PbxError):
    """Something a step awaited (the store, the case summary) took longer than its
    slice of the call's time-outs: the call must not wait on it any longer."""

    def __init__(self, what: str, timeout_s: float) -> None:
        super().__init__(f"{what} took longer than {timeout_s:g} s")
        self.what = what
        self.timeout_s = timeout_s


class VoiceLost(PbxError):
    """The bot's voice (speech synthesis) failed: nothing more can be said to the
    caller in Guichet's own voice; only recorded prompts are left."""


def describe_failure(exc: BaseException) -> str:
    """An exception for a log line: its type and where it was raised, never its
    message (a store or parsing error may quote a caller's number or words)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return type(exc).__name__
    last = frames[-1]
    return f"{type(exc).__name__} at {Path(last.filename).name}:{last.lineno} in {last.name}"
