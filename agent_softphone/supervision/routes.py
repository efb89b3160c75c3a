"""Supervision's routes, for supervisors and admins only:

- ``POST /api/supervision/{call_id}/listen``, ``…/whisper``, ``…/barge``: the
  supervisor's own softphone rings; once answered they hear the call (and, whispering,
  the agent hears them; barging, both do). Called again on the same call: the mode
  changes, the phone stays up.
- ``POST /api/supervision/{call_id}/stop``: the supervisor's leg hangs up.

Every request is audited before it acts (actor ``web:<username>``, action
``supervision.<mode>``, object ``call:<id>``): an action that cannot be audited is
not done. The agent's page learns of it from the ``SupervisionChanged`` event the
call side publishes once it is true (``/api/events``, :mod:`agent_softphone.feed_filter`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, status

from agent_softphone.access import Principal, require
from agent_softphone.state import AppState
from guichet.errors import StoreError
from guichet.privacy import PrivacyError, audit
from guichet.supervision import (
    SUPERVISION_MODES,
    CallNotSupervisable,
    SupervisionBusy,
    SupervisionControl,
    SupervisionMode,
    SupervisionSession,
    SupervisionUnavailable,
    SupervisorUnreachable,
)

__all__ = ["SUPERVISION_ROLES", "call_object", "supervision_router"]

log = logging.getLogger(__name__)

SUPERVISION_ROLES = ("supervisor", "admin")
# module level: the routes' annotations are strings, resolved in this module's namespace
Supervisor = Annotated[Principal, Depends(require(*SUPERVISION_ROLES))]


def call_object(call_id: str) -> str:
    return f"call:{call_id}"


def _session_json(session: SupervisionSession) -> dict[str, Any]:
    return {
        "call_id": session.call_id,
        "agent": session.agent,
        "supervisor": session.supervisor,
        "mode": session.mode,
    }


def supervision_router(state: AppState) -> APIRouter:
    router = APIRouter()

    def control() -> SupervisionControl:
        if state.supervision is None:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "no call side")
        return state.supervision

    async def audited(who: Principal, action: str, call_id: str) -> None:
        try:
            await asyncio.to_thread(
                audit, state.store, f"web:{who.username}", action, call_object(call_id)
            )
        except PrivacyError as exc:  # an id too long to name in the audit log
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such call") from exc
        except StoreError as exc:
            log.exception("supervision of %s: audit row not written, nothing done", call_id)
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE, "the action could not be audited"
            ) from exc

    def supervise_route(mode: SupervisionMode) -> Callable[..., Awaitable[dict[str, Any]]]:
        async def supervise(who: Supervisor, call_id: str) -> dict[str, Any]:
            side = control()
            await audited(who, f"supervision.{mode}", call_id)
            try:
                session = await side.supervise(call_id, who.username, mode)
            except CallNotSupervisable as exc:
                raise HTTPException(status.HTTP_404_NOT_FOUND, "no agent call of that id") from exc
            except SupervisionBusy as exc:
                raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
            except SupervisorUnreachable as exc:
                raise HTTPException(
                    status.HTTP_409_CONFLICT, "your softphone did not answer"
                ) from exc
            except SupervisionUnavailable as exc:
                raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from exc
            return _session_json(session)

        supervise.__name__ = f"supervision_{mode}"
        return supervise

    for mode in SUPERVISION_MODES:
        router.add_api_route(
            f"/api/supervision/{{call_id}}/{mode}",
            supervise_route(mode),  # type: ignore[arg-type]
            methods=["POST"],
        )

    @router.post("/api/supervision/{call_id}/stop")
    async def stop(who: Supervisor, call_id: str) -> dict[str, Any]:
        side = control()
        await audited(who, "supervision.stop", call_id)
        ended = await side.stop(call_id)
        return {"stopped": ended is not None, **(_session_json(ended) if ended else {})}

    @router.get("/api/supervision")
    async def sessions(who: Supervisor) -> list[dict[str, Any]]:
        """The supervisions in progress (who is on which call)."""
        return [_session_json(s) for s in control().sessions()]

    return router
