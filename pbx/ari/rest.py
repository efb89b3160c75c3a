"""ARI REST calls. HTTP statuses stop here: callers get :mod:`pbx.errors`."""

from __future__ import annotations

from typing import Any

import httpx

from pbx.ari.events import Channel
from pbx.errors import AriConflict, AriError, AriNotFound, AriUnavailable, CallNotFound


class AriRest:
    def __init__(self, base_url: str, user: str, password: str, timeout: float = 5.0) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/ari",
            auth=(user, password),
            timeout=timeout,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _request(
        self,
        method: str,
        path: str,
        *,
        not_found: AriNotFound,
        params: dict[str, Any] | None = None,
    ) -> Any:
        try:
            reply = await self._client.request(method, path, params=params)
        except httpx.TransportError as exc:
            raise AriUnavailable(f"ARI unreachable: {exc}") from exc
        if reply.status_code == 404:
            raise not_found
        if reply.status_code in (409, 412, 422):
            raise AriConflict(f"{method} {path}: {reply.status_code} {_message(reply)}")
        if reply.status_code >= 400:
            raise AriError(f"{method} {path}: {reply.status_code} {_message(reply)}")
        if reply.status_code == 204 or not reply.content:
            return None
        return reply.json()

    # --- applications ---
    async def application_channel_ids(self, app: str) -> list[str]:
        """Channels currently in the Stasis application ``app``."""
        result = await self._request(
            "GET", f"/applications/{app}", not_found=AriNotFound("application", app)
        )
        return [str(c) for c in result.get("channel_ids", [])]

    # --- channels ---
    async def get_channel(self, channel_id: str) -> Channel:
        raw = await self._request(
            "GET", f"/channels/{channel_id}", not_found=CallNotFound(channel_id)
        )
        return Channel.from_json(raw)

    async def answer(self, channel_id: str) -> None:
        await self._request(
            "POST", f"/channels/{channel_id}/answer", not_found=CallNotFound(channel_id)
        )

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        await self._request(
            "DELETE",
            f"/channels/{channel_id}",
            params={"reason": reason},
            not_found=CallNotFound(channel_id),
        )

    async def continue_in_dialplan(
        self, channel_id: str, context: str, extension: str, priority: int = 1
    ) -> None:
        """The call leaves Stasis and carries on in the dialplan (e.g. into a Queue)."""
        await self._request(
            "POST",
            f"/channels/{channel_id}/continue",
            params={"context": context, "extension": extension, "priority": priority},
            not_found=CallNotFound(channel_id),
        )

    async def set_variable(self, channel_id: str, name: str, value: str) -> None:
        await self._request(
            "POST",
            f"/channels/{channel_id}/variable",
            params={"variable": name, "value": value},
            not_found=CallNotFound(channel_id),
        )

    async def external_media_websocket(
        self, app: str, channel_id: str, audio_format: str = "slin16"
    ) -> str:
        """A chan_websocket channel that waits for Guichet to connect; returns the
        connection id to connect to (``/media/<id>``)."""
        raw = await self._request(
            "POST",
            "/channels/externalMedia",
            params={
                "app": app,
                "channelId": channel_id,
                "external_host": "INCOMING",
                "format": audio_format,
                "transport": "websocket",
                "encapsulation": "none",
                "connection_type": "server",
                "direction": "both",
            },
            not_found=AriNotFound("externalMedia", channel_id),
        )
        variables = raw.get("channelvars") or {}
        connection_id = variables.get("MEDIA_WEBSOCKET_CONNECTION_ID")
        if not connection_id:
            raise AriError("externalMedia answered without a media connection id")
        return str(connection_id)

    # --- bridges ---
    async def start_silence(self, channel_id: str) -> None:
        """Asterisk's silence generator on the channel (RTP at 20 ms) until
        :meth:`stop_silence`. It owns the channel's output meanwhile: what a bridge
        writes to the channel is dropped."""
        await self._request(
            "POST", f"/channels/{channel_id}/silence", not_found=CallNotFound(channel_id)
        )

    async def stop_silence(self, channel_id: str) -> None:
        await self._request(
            "DELETE", f"/channels/{channel_id}/silence", not_found=CallNotFound(channel_id)
        )

    async def create_bridge(self, bridge_id: str, name: str = "") -> None:
        await self._request(
            "POST",
            f"/bridges/{bridge_id}",
            params={"type": "mixing", "name": name or bridge_id},
            not_found=AriNotFound("bridge", bridge_id),
        )

    async def add_to_bridge(self, bridge_id: str, channel_id: str) -> None:
        await self._request(
            "POST",
            f"/bridges/{bridge_id}/addChannel",
            params={"channel": channel_id},
            not_found=AriNotFound("bridge", bridge_id),
        )

    async def destroy_bridge(self, bridge_id: str) -> None:
        await self._request(
            "DELETE", f"/bridges/{bridge_id}", not_found=AriNotFound("bridge", bridge_id)
        )

    async def bridge_ids(self) -> list[str]:
        """Every bridge Asterisk has now, whichever application made it."""
        result = await self._request("GET", "/bridges", not_found=AriNotFound("bridges", ""))
        return [str(bridge.get("id", "")) for bridge in result or []]


def _message(reply: httpx.Response) -> str:
    try:
        return str(reply.json().get("message", ""))
    except ValueError:
        return reply.text[:200]
