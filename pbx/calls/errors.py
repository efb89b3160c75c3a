"""What a call's steps raise to one another."""

from __future__ import annotations

__all__ = ["CallEnded"]


class CallEnded(Exception):
    """The caller's channel left Stasis (hung up, or handed to the dialplan) while
    the call's step waited."""
