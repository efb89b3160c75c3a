"""Callbacks booked on the phone: the CALLBACK step (``flow``), the number-confirming
dialog (``dialog``) and what it says (``prompts``)."""

from pbx.callbacks.dialog import CallbackDialog
from pbx.callbacks.flow import CallbackStep, LinkSpeaker
from pbx.callbacks.prompts import spoken_due, spoken_reference

__all__ = ["CallbackDialog", "CallbackStep", "LinkSpeaker", "spoken_due", "spoken_reference"]
