"""SMS engines: how an outbox row leaves the machine.

An engine's methods are blocking (the twilio library is); the outbox calls them in a
worker thread. Personal data (numbers, texts) never goes to the logs: engines log the
outbox id only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from guichet.casefile.errors import SmsError
from guichet.errors import ConfigError
from guichet.settings import Settings

log = logging.getLogger(__name__)

# Twilio error codes that no retry can fix: invalid/unreachable/blocked recipient,
# unverified or unknown sender, message body problems
_PERMANENT_TWILIO_CODES = frozenset(
    {21211, 21408, 21610, 21612, 21614, 21606, 21659, 21602, 21617, 20003, 20404}
)


@dataclass(frozen=True)
class SmsCapabilities:
    name: str
    delivers: bool  # False: a dev engine, nothing reaches a phone
    can_find_sent: bool  # can tell whether a message was already accepted (crash recovery)
    max_body_chars: int


@dataclass(frozen=True)
class SentSms:
    provider_sid: str


class SmsEngine(Protocol):
    capabilities: SmsCapabilities

    def send(self, outbox_id: str, to: str, body: str) -> SentSms:
        """Hand one message to the provider. Raises SmsError (``retryable`` or not)."""
        ...

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        """The provider SID of this very message if the provider already took it since
        ``since``; None when it did not, or when the engine cannot tell."""
        ...


class LogOnlySms:
    """Development default: nothing is sent; the log says an SMS would have left."""

    capabilities = SmsCapabilities("log", delivers=False, can_find_sent=False, max_body_chars=1600)

    def send(self, outbox_id: str, to: str, body: str) -> SentSms:
        log.info("SMS %s not sent: sms_provider is 'log' (development)", outbox_id)
        return SentSms(provider_sid=f"LOG{outbox_id.replace('-', '')[:32]}")

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        return None


def _twilio_http_client(base_url: str | None, timeout_s: float) -> Any:
    from twilio.http.http_client import TwilioHttpClient  # noqa: PLC0415 - heavy import

    class _Client(TwilioHttpClient):  # type: ignore[misc]
        """Sends every request to ``base_url`` (scheme and host) instead of the
        Twilio domain the library builds; the path is kept, so the wire protocol is
        unchanged. The library's own knobs (edge, region) only pick Twilio hosts."""

        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            if base_url:
                target = urlsplit(base_url)
                parts = urlsplit(url)
                prefix = target.path.rstrip("/")
                url = urlunsplit(
                    (target.scheme, target.netloc, prefix + parts.path, parts.query, "")
                )
            return super().request(method, url, *args, **kwargs)

    client = _Client(timeout=timeout_s)
    # the library logs each request's URL and headers at INFO: keep that out of our logs
    client.logger = logging.getLogger("twilio.http_client.quiet")
    client.logger.setLevel(logging.WARNING)
    return client


class TwilioSms:
    """Sends through Twilio's Messages API with the official ``twilio`` library."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        *,
        base_url: str | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        from twilio.rest import Client  # noqa: PLC0415 - heavy import, only when configured

        self.capabilities = SmsCapabilities(
            "twilio", delivers=True, can_find_sent=True, max_body_chars=1600
        )
        self.from_number = from_number
        self.base_url = base_url
        # environment={}: the library would read TWILIO_* variables; settings rule here
        self._client = Client(
            account_sid,
            auth_token,
            http_client=_twilio_http_client(base_url, timeout_s),
            environment={},
        )

    def send(self, outbox_id: str, to: str, body: str) -> SentSms:
        try:
            message = self._client.messages.create(to=to, from_=self.from_number, body=body)
        except Exception as exc:
            raise _translate(exc) from exc
        log.info("SMS %s accepted by Twilio as %s", outbox_id, message.sid)
        return SentSms(provider_sid=str(message.sid))

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        try:
            messages = self._client.messages.list(
                to=to, from_=self.from_number, date_sent_after=since, limit=50
            )
        except Exception as exc:
            raise _translate(exc) from exc
        for message in messages:
            if message.body == body:
                return str(message.sid)
        return None


def _translate(exc: Exception) -> SmsError:
    from requests import RequestException  # noqa: PLC0415
    from twilio.base.exceptions import TwilioRestException  # noqa: PLC0415

    if isinstance(exc, TwilioRestException):
        code = exc.code if isinstance(exc.code, int) else None
        retryable = (exc.status >= 500 or exc.status == 429) and code not in (
            _PERMANENT_TWILIO_CODES
        )
        # exc.msg is the provider's text (it may echo the number): keep it out of logs
        return SmsError(f"Twilio HTTP {exc.status} code {code}", retryable=retryable, code=code)
    if isinstance(exc, RequestException):
        return SmsError(f"Twilio unreachable: {type(exc).__name__}", retryable=True)
    return SmsError(f"Twilio client error: {type(exc).__name__}", retryable=True)


def make_sms_engine(settings: Settings) -> SmsEngine:
    if settings.sms_provider == "log":
        return LogOnlySms()
    missing = [
        name
        for name in ("twilio_account_sid", "twilio_auth_token", "twilio_from")
        if not getattr(settings, name)
    ]
    if missing:
        raise ConfigError(f"sms_provider is 'twilio' but {', '.join(missing)} not set")
    assert settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_from
    return TwilioSms(
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        settings.twilio_from,
        base_url=settings.twilio_base_url,
        timeout_s=settings.sms_timeout_s,
    )


def describe_sms(settings: Settings) -> str:
    """One line for ``make run`` / ``guichet up``: which SMS engine is active."""
    if settings.sms_provider == "log":
        return "SMS          log only (sms_provider=log): no SMS leaves this machine"
    where = settings.twilio_base_url or "https://api.twilio.com"
    return f"SMS          Twilio via {where}"
