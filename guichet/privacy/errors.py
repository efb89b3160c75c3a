"""The privacy package's errors."""

from __future__ import annotations

from guichet.errors import GuichetError


class PrivacyError(GuichetError):
    """A privacy request could not be carried out: a number that is not one, an audit
    row that would not fit, the store failing."""
