"""The case file's exception tree."""

from __future__ import annotations

from guichet.errors import GuichetError


class CaseFileError(GuichetError):
    """Base of the case file's errors."""


class InvalidNumber(CaseFileError, ValueError):
    """A phone number that cannot be called back or texted. ``reason`` is a short code
    (``empty``, ``too_short``, ``premium``…) the controller can turn into a prompt."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class CaseNotFound(CaseFileError, LookupError):
    pass


class CallbackNotFound(CaseFileError, LookupError):
    pass


class InvalidCaseUpdate(CaseFileError, ValueError):
    """An unknown speaker, channel or outcome, or a change a case's state forbids."""


class SmsError(CaseFileError):
    """An SMS provider failed. ``retryable`` tells the outbox whether trying later can help;
    ``code`` is the provider's error code when it gave one."""

    def __init__(self, message: str, *, retryable: bool, code: int | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.code = code
