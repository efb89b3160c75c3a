"""How long each kind of personal data is kept (the settings' ``retention_*_days``;
the reasoning behind each default is in :mod:`guichet.settings`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from guichet.settings import Settings


@dataclass(frozen=True)
class RetentionPolicy:
    """Each limit counts from the moment the data stopped being needed: a case's last
    activity for its transcript, the close for a number, the queueing for an SMS."""

    transcripts: timedelta
    sms: timedelta
    numbers: timedelta
    audit: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionPolicy:
        return cls(
            transcripts=timedelta(days=settings.retention_transcripts_days),
            sms=timedelta(days=settings.retention_sms_days),
            numbers=timedelta(days=settings.retention_numbers_days),
            audit=timedelta(days=settings.retention_audit_days),
        )

    def as_days(self) -> dict[str, int]:
        """For an export: a citizen is told how long each kind is kept."""
        return {
            "transcripts_and_summaries": self.transcripts.days,
            "sms": self.sms.days,
            "numbers_on_closed_cases": self.numbers.days,
            "audit": self.audit.days,
        }
