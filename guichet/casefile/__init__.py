"""The case file shared by every channel: cases and their transcript, summaries for the
next person, callbacks, and the SMS outbox. Used by ``pbx/`` and ``agent_softphone/``."""
