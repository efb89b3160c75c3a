"""The web app shell. Every route needs authentication; later issues add the
softphone, live assist, case files, the wallboard and the chat widget."""

import secrets
from dataclasses import dataclass
from html import escape
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.responses import HTMLResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from sqlalchemy import func, select

from guichet.store import Store
from guichet.store.models import Call

ADMIN_USER = "admin"


@dataclass
class AppState:
    store: Store
    admin_password: str
    health: dict[str, Any]  # filled by ``guichet up``: asterisk, controller


def create_app(state: AppState) -> FastAPI:
    basic = HTTPBasic(realm="Guichet")

    def user(credentials: Annotated[HTTPBasicCredentials, Depends(basic)]) -> str:
        good_user = secrets.compare_digest(credentials.username.encode(), ADMIN_USER.encode())
        good_pass = secrets.compare_digest(
            credentials.password.encode(), state.admin_password.encode()
        )
        if not (good_user and good_pass):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "wrong user or password",
                headers={"WWW-Authenticate": 'Basic realm="Guichet"'},
            )
        return credentials.username

    # one app-wide dependency: no route can be added without authentication
    app = FastAPI(
        title="Guichet",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(user)],
    )

    def call_counts() -> dict[str, int]:
        with state.store.session() as session:
            rows = session.execute(select(Call.state, func.count()).group_by(Call.state))
            return {str(s): int(n) for s, n in rows}

    @app.get("/api/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", **state.health, "calls": call_counts()}

    @app.get("/api/calls")
    def calls(limit: int = 50) -> list[dict[str, Any]]:
        with state.store.session() as session:
            rows = session.scalars(select(Call).order_by(Call.started_at.desc()).limit(limit))
            return [
                {
                    "id": c.id,
                    "state": c.state,
                    "started_at": c.started_at.isoformat(),
                    "ended_at": c.ended_at.isoformat() if c.ended_at else None,
                    "end_reason": c.end_reason,
                }
                for c in rows
            ]

    @app.get("/", response_class=HTMLResponse)
    def home() -> str:
        counts = call_counts()
        items = "".join(
            f"<li>{escape(k)}: {escape(str(v))}</li>" for k, v in {**state.health}.items()
        )
        calls_html = "".join(f"<li>{escape(k)}: {n}</li>" for k, n in sorted(counts.items()))
        return (
            "<!doctype html><html lang=fr><meta charset=utf-8><title>Guichet</title>"
            "<h1>Guichet</h1><h2>Services</h2><ul>"
            f"{items}</ul><h2>Appels</h2><ul>{calls_html or '<li>aucun</li>'}</ul></html>"
        )

    return app
