"""Personal data: kept no longer than needed, exportable, erasable, audited.

- :func:`audit` — the audit row every read of a case and every privacy request
  leaves (who, what, which object; no personal data in it);
- :func:`purge` / :func:`serve_privacy_purge` — what is older than its retention
  limit (:class:`RetentionPolicy`, from the settings) leaves the store, daily;
- :func:`export_number` / :func:`erase_number` — a citizen's rights of access and
  erasure, by phone number.

The CLI is ``guichet privacy`` (:mod:`guichet.privacy.cli`).
"""

from guichet.privacy.audit import (
    SYSTEM_ACTOR,
    AuditAction,
    AuditRecord,
    audit,
    audit_in,
    audit_trail,
    case_object,
    number_object,
)
from guichet.privacy.erase import Erasure, erase_number
from guichet.privacy.errors import PrivacyError
from guichet.privacy.export import export_number
from guichet.privacy.purge import Purged, purge, serve_privacy_purge
from guichet.privacy.retention import RetentionPolicy

__all__ = [
    "SYSTEM_ACTOR",
    "AuditAction",
    "AuditRecord",
    "Erasure",
    "PrivacyError",
    "Purged",
    "RetentionPolicy",
    "audit",
    "audit_in",
    "audit_trail",
    "case_object",
    "erase_number",
    "export_number",
    "number_object",
    "purge",
    "serve_privacy_purge",
]
