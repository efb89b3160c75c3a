"""A recording :class:`guichet.supervision.SupervisionControl` for the web routes'
tests (the real one, ``pbx.supervision.PbxSupervision``, is tested against a real
Asterisk in ``tests/integration/test_supervision.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from guichet.supervision import SupervisionError, SupervisionMode, SupervisionSession


@dataclass
class RecordingSupervision:
    agent: str = "alice"
    asked: list[tuple[str, str, str]] = field(default_factory=list)  # call, supervisor, mode
    stopped: list[str] = field(default_factory=list)
    refuse: SupervisionError | None = None
    on: dict[str, SupervisionSession] = field(default_factory=dict)

    async def supervise(
        self, call_id: str, supervisor: str, mode: SupervisionMode
    ) -> SupervisionSession:
        self.asked.append((call_id, supervisor, mode))
        if self.refuse is not None:
            raise self.refuse
        self.on[call_id] = SupervisionSession(call_id, self.agent, supervisor, mode)
        return self.on[call_id]

    async def stop(self, call_id: str) -> SupervisionSession | None:
        self.stopped.append(call_id)
        return self.on.pop(call_id, None)

    def sessions(self) -> list[SupervisionSession]:
        return list(self.on.values())
