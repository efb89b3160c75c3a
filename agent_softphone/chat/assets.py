"""The widget's files, public: ``/widget.js`` (bundled at set-up time from
``agent_softphone/static/chat/`` by esbuild, ``mk/web.mk``; no CDN) and ``/widget.css``
(a file, not inline styles: a city's strict CSP allows it by origin)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import FileResponse

__all__ = ["WIDGET_BUNDLE", "WIDGET_CSS", "assets_router"]

STATIC = Path(__file__).resolve().parent.parent / "static"
WIDGET_BUNDLE = STATIC / "vendor" / "widget.js"
WIDGET_CSS = STATIC / "chat" / "widget.css"
# the city's pages cache it for a while; a new version is a new set-up
_CACHE = {"Cache-Control": "public, max-age=300"}


def assets_router() -> APIRouter:
    router = APIRouter()

    @router.get("/widget.js")
    def widget_js() -> FileResponse:
        if not WIDGET_BUNDLE.is_file():
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE, "widget not built (run `make setup`)"
            )
        return FileResponse(WIDGET_BUNDLE, media_type="text/javascript", headers=_CACHE)

    @router.get("/widget.css")
    def widget_css() -> FileResponse:
        return FileResponse(WIDGET_CSS, media_type="text/css", headers=_CACHE)

    return router
