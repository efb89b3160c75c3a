"""The call button's service: admits a visitor's call (limits), answers its WebRTC
offer with an aiortc peer connection, and runs it (:class:`WebCall`) until it ends.
Every call's task is owned here and awaited when the web app stops."""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass

from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription

from agent_softphone.webcall.call import PipelineMaker, WebCall, close_peer
from agent_softphone.webcall.limits import CallLimits, Refusal
from guichet.casefile.records import Channel
from guichet.casefile.repository import CaseRepository
from guichet.settings import Settings
from guichet.tasks import TaskOwner
from guichet.webcall import WebCallBridge

__all__ = ["Answer", "WebCallRefused", "WebCalls"]

log = logging.getLogger(__name__)

# what the visitor reads when a limit is hit (the page shows it as it is)
REFUSALS: dict[Refusal, tuple[int, str]] = {
    "rate": (429, "Trop d'appels depuis votre connexion : réessayez plus tard."),
    "busy": (503, "Toutes nos lignes sont occupées : réessayez dans quelques minutes."),
}


class WebCallRefused(Exception):
    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Answer:
    call_id: str
    sdp: str
    type: str


class WebCalls:
    def __init__(
        self,
        *,
        settings: Settings,
        cases: CaseRepository,
        make_pipeline: PipelineMaker,
        bridge: WebCallBridge | None = None,
    ) -> None:
        self.settings = settings
        self.cases = cases
        self.make_pipeline = make_pipeline
        self.bridge = bridge
        self.limits = CallLimits(settings.webcall_max_concurrent, settings.webcall_per_ip_per_hour)
        self.calls: dict[str, WebCall] = {}
        self._tasks = TaskOwner("webcalls")

    def ice_servers(self) -> list[dict[str, object]]:
        """For the browser's RTCPeerConnection (the same list aiortc uses)."""
        if not self.settings.webcall_ice_servers:
            return []
        server: dict[str, object] = {"urls": list(self.settings.webcall_ice_servers)}
        if self.settings.webcall_turn_username:
            server["username"] = self.settings.webcall_turn_username
            server["credential"] = self.settings.webcall_turn_password
        return [server]

    def _rtc_configuration(self) -> RTCConfiguration:
        servers = (
            [
                RTCIceServer(
                    urls=list(self.settings.webcall_ice_servers),
                    username=self.settings.webcall_turn_username or None,
                    credential=self.settings.webcall_turn_password or None,
                )
            ]
            if self.settings.webcall_ice_servers
            else []
        )
        return RTCConfiguration(iceServers=servers)

    async def offer(self, sdp: str, kind: str, *, ip: str, lang: str) -> Answer:
        """Answer a visitor's offer; WebCallRefused when a limit is hit."""
        if kind != "offer":
            raise WebCallRefused(400, "sdp", "an SDP offer is expected")
        refusal = self.limits.admit(ip)
        if refusal is not None:
            status, message = REFUSALS[refusal]
            raise WebCallRefused(status, refusal, message)
        pc = RTCPeerConnection(self._rtc_configuration())
        try:
            case = await self.cases.open_case(channel=Channel.WEB, language=lang)
            call_id = secrets.token_urlsafe(16)
            call = WebCall(
                call_id,
                pc,
                make_pipeline=self.make_pipeline,
                bridge=self.bridge,
                cases=self.cases,
                case_id=case.id,
                lang=lang,
                max_duration_s=self.settings.webcall_max_duration_s,
            )
            pc.addTrack(call.outgoing)
            await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
            await pc.setLocalDescription(await pc.createAnswer())
        except ValueError as exc:  # aiortc's word for an SDP it cannot use
            self.limits.release()
            await close_peer(pc)
            raise WebCallRefused(400, "sdp", f"unusable SDP offer: {exc}") from exc
        except BaseException:
            self.limits.release()
            await close_peer(pc)
            raise
        self.calls[call_id] = call
        self._tasks.spawn(self._run(call), f"webcall-{call_id}")
        local = pc.localDescription
        log.info("web call %s: answered (case %s)", call_id, case.id)
        return Answer(call_id, local.sdp, local.type)

    async def _run(self, call: WebCall) -> None:
        try:
            await call.run()
        finally:
            self.calls.pop(call.call_id, None)
            self.limits.release()
            call.finished.set()

    def hang_up(self, call_id: str) -> bool:
        call = self.calls.get(call_id)
        if call is None:
            return False
        call.caller_gone.set()
        return True

    async def serve(self) -> None:
        """Held by the shell while the web app runs: the calls end with it."""
        try:
            await asyncio.Event().wait()
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        for call in list(self.calls.values()):
            call.caller_gone.set()
        await self._tasks.aclose()
