"""A recording :class:`guichet.desk.DeskControl` for the web desk's tests (the real
one, ``pbx.desk.PbxDesk``, is tested against a real Asterisk)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from guichet.errors import GuichetError


@dataclass
class RecordingDesk:
    applied: list[tuple[str, tuple[str, ...], str, str]] = field(default_factory=list)
    escalated: list[tuple[str, str, str]] = field(default_factory=list)
    refuse: bool = False

    async def set_agent_state(
        self, account: str, queues: Sequence[str], state: str, reason: str = ""
    ) -> None:
        if self.refuse:
            raise GuichetError("AMI QueueAdd failed: Unable to add interface")
        self.applied.append((account, tuple(queues), state, reason))

    async def escalate(self, call_id: str, queue: str, case_id: str) -> None:
        self.escalated.append((call_id, queue, case_id))
