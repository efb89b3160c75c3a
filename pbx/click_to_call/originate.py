"""ARI originate for click-to-call.

ARI, not AMI: the AMI account has no ``originate`` class (asterisk-config/manager.conf
keeps it from placing calls), and an ARI originate names the endpoint and a dialplan
place in one request, without Stasis: the call never enters the controller's
application (which takes every StasisStart for an inbound caller). The expert's
endpoint rings with the callback's reference as the caller ID; when it answers,
Asterisk runs ``guichet-click-to-call,<dial string>,1`` on that channel, which
dials the trunk and bridges (Dial). The extension is the stored number through the
dial rules: digits only, so nothing else can be reached from that context."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

import httpx

from guichet.click_to_call import CallbackDial, ClickToCallUnavailable
from guichet.settings import Settings
from pbx.click_to_call.dialing import CONTEXT, DialRules, check_e164
from pbx.credentials import credentials

__all__ = ["PbxClickToCall"]

log = logging.getLogger(__name__)


def _own_endpoint(account: str) -> str:
    return f"PJSIP/{account}"


class PbxClickToCall:
    """:class:`guichet.click_to_call.ClickToCall` on Asterisk. ``endpoint_of``: the
    channel that rings first for an account (its own WebRTC endpoint)."""

    def __init__(
        self,
        ari_base_url: str,
        user: str,
        password: str,
        *,
        rules: DialRules,
        ring_s: int = 30,
        endpoint_of: Callable[[str], str] = _own_endpoint,
        timeout_s: float = 5.0,
    ) -> None:
        self._url = ari_base_url.rstrip("/") + "/ari/channels"
        self._auth = (user, password)
        self.rules = rules
        self.ring_s = ring_s
        self.endpoint_of = endpoint_of
        self._timeout_s = timeout_s

    @classmethod
    def from_settings(cls, settings: Settings) -> PbxClickToCall | None:
        """None when no outbound trunk is configured."""
        if settings.outbound_trunk_host is None:
            return None
        creds = credentials(settings)
        return cls(
            settings.ari_base_url,
            creds.ari_user,
            creds.ari_password,
            rules=DialRules.parse(settings.outbound_dial_rules),
            ring_s=settings.outbound_ring_expert_s,
        )

    async def ring_then_dial(self, dial: CallbackDial) -> str:
        try:
            # once more here, at the edge: only an E.164 number becomes an extension
            extension = self.rules.dial_string(check_e164(dial.number))
        except ValueError as exc:
            raise ClickToCallUnavailable(f"callback {dial.reference}: {exc}") from None
        channel_id = f"ctc-{uuid.uuid4()}"
        params = {
            "endpoint": self.endpoint_of(dial.account),
            "context": CONTEXT,
            "extension": extension,
            "priority": "1",
            "timeout": str(self.ring_s),
            # what the expert's phone shows while it rings
            "callerId": f'"Rappel {dial.reference}" <{dial.reference}>',
            "channelId": channel_id,
        }
        body = {"variables": {"GUICHET_CALLBACK": dial.callback_id}}
        try:
            async with httpx.AsyncClient(auth=self._auth, timeout=self._timeout_s) as client:
                reply = await client.post(self._url, params=params, json=body)
        except httpx.TransportError as exc:
            raise ClickToCallUnavailable(f"ARI unreachable: {exc}") from exc
        if reply.status_code >= 400:
            raise ClickToCallUnavailable(
                f"originate refused for {dial.reference}: {reply.status_code}"
            )
        log.info("callback %s: ringing %s first", dial.reference, params["endpoint"])
        return channel_id
