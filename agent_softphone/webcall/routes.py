"""``/api/webcall``: the website's call button. Public (visitors do not log in):
abuse is bounded by the service's limits (per IP, at once, duration)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from agent_softphone.state import AppState
from agent_softphone.webcall.service import WebCallRefused

__all__ = ["router"]

CALL_JS = Path(__file__).resolve().parent.parent / "static" / "chat" / "call.js"
MAX_SDP = 20_000  # a browser's audio offer is 2-6 kB


class Offer(BaseModel):
    sdp: str = Field(max_length=MAX_SDP)
    type: str = "offer"
    lang: Literal["fr", "en"] = "fr"


def _unavailable() -> JSONResponse:
    return JSONResponse(
        {"reason": "off", "detail": "Les appels depuis le site ne sont pas ouverts."},
        status_code=503,
    )


def router(state: AppState) -> APIRouter:
    api = APIRouter()

    def cors(request: Request, response: Response) -> Response:
        """The city's site (another origin) may call these routes, and only it."""
        origin = request.headers.get("origin")
        if origin and origin in state.settings.web_chat_origins:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Methods"] = "GET, POST"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
            response.headers["Access-Control-Max-Age"] = "600"
            response.headers["Vary"] = "Origin"
        return response

    @api.get("/webcall/call.js")
    def call_js() -> FileResponse:
        # public: the chat widget's call button (loaded by the city's pages)
        return FileResponse(
            CALL_JS, media_type="text/javascript", headers={"Cache-Control": "public, max-age=300"}
        )

    @api.options("/api/webcall/offer")
    def offer_preflight(request: Request) -> Response:
        return cors(request, Response(status_code=204))

    @api.options("/api/webcall/{call_id}/hangup")
    def hangup_preflight(call_id: str, request: Request) -> Response:
        return cors(request, Response(status_code=204))

    @api.get("/api/webcall/config")
    def config(request: Request) -> Response:
        # public: the ICE servers (TURN credentials are meant for any visitor)
        if state.webcalls is None:
            return cors(request, _unavailable())
        return cors(request, JSONResponse({"ice_servers": state.webcalls.ice_servers()}))

    @api.post("/api/webcall/offer")
    async def offer(body: Offer, request: Request) -> Response:
        origin = request.headers.get("origin")
        own = f"{request.url.scheme}://{request.url.netloc}"
        if origin and origin != own and origin not in state.settings.web_chat_origins:
            # a page elsewhere must not place calls (each holds a voicebot)
            return JSONResponse({"reason": "origin", "detail": "origin not allowed"}, 403)
        if state.webcalls is None:
            return cors(request, _unavailable())
        ip = request.client.host if request.client else "?"
        try:
            answer = await state.webcalls.offer(body.sdp, body.type, ip=ip, lang=body.lang)
        except WebCallRefused as exc:
            refused = JSONResponse(
                {"reason": exc.reason, "detail": exc.message}, status_code=exc.status
            )
            return cors(request, refused)
        answered = {"id": answer.call_id, "sdp": answer.sdp, "type": answer.type}
        return cors(request, JSONResponse(answered))

    @api.post("/api/webcall/{call_id}/hangup")
    def hang_up(call_id: str, request: Request) -> Response:
        # the call's id is a random token only its caller was given
        found = state.webcalls is not None and state.webcalls.hang_up(call_id)
        return cors(request, JSONResponse({"ended": found}, status_code=200 if found else 404))

    return api
