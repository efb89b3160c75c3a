"""An in-memory SMS engine for unit tests of code that sends SMS (the controller's too)."""

from __future__ import annotations

import threading
from datetime import datetime

from guichet.casefile.errors import SmsError
from guichet.casefile.sms import SentSms, SmsCapabilities


class MemorySms:
    capabilities = SmsCapabilities(
        "memory", delivers=False, can_find_sent=True, max_body_chars=1600
    )

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []  # (sid, to, body)
        self.failures: list[SmsError] = []  # raised by the next sends, in order
        self._lock = threading.Lock()

    def send(self, outbox_id: str, to: str, body: str) -> SentSms:
        with self._lock:
            if self.failures:
                raise self.failures.pop(0)
            sid = f"SM{len(self.sent):032d}"
            self.sent.append((sid, to, body))
            return SentSms(sid)

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        with self._lock:
            return next((sid for sid, t, b in self.sent if t == to and b == body), None)
