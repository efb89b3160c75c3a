"""The KPI routes, for supervisors and admins: the page ``GET /kpis``, the report as
JSON ``GET /api/kpis`` and each of its tables as CSV ``GET /api/kpis/{table}.csv``,
all over the same period parameters (``grain``, ``from``, ``to``, ``baseline_from``,
``baseline_to``). The report is computed in a worker thread: pure reads."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.responses import FileResponse, HTMLResponse, Response

from agent_softphone.access import Principal, require
from agent_softphone.desk import desk_policy
from agent_softphone.kpis.page import kpi_page
from agent_softphone.pages import asset_file, page_lang
from agent_softphone.state import AppState
from guichet.kpis import (
    TABLES,
    Grain,
    KpiOptions,
    KpiReport,
    Period,
    compute_kpis,
    default_period,
    table_csv,
)
from guichet.store.models import utcnow

__all__ = ["ASSETS", "MAX_DAYS", "kpis_router"]

ASSETS = Path(__file__).resolve().parent.parent / "static" / "kpis"
MAX_DAYS = 3 * 366  # a longer span is a typo (or a way to make the server work)
# module level: the routes' annotations are strings, resolved in this module's names
Reader = Annotated[Principal, Depends(require("supervisor", "admin"))]


@dataclass(frozen=True)
class Asked:
    grain: Grain
    start: date | None
    end: date | None
    baseline_from: date | None
    baseline_to: date | None

    def query(self) -> dict[str, str]:
        """The parameters given, to carry in the page's links."""
        out = {"grain": self.grain.value}
        for key, value in (
            ("from", self.start),
            ("to", self.end),
            ("baseline_from", self.baseline_from),
            ("baseline_to", self.baseline_to),
        ):
            if value is not None:
                out[key] = value.isoformat()
        return out


def _asked(
    grain: Annotated[Literal["day", "week", "month"], Query()] = "day",
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    baseline_from: Annotated[date | None, Query()] = None,
    baseline_to: Annotated[date | None, Query()] = None,
) -> Asked:
    return Asked(Grain(grain), start, end, baseline_from, baseline_to)


AskedPeriod = Annotated[Asked, Depends(_asked)]


def _bad(message: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, message)


def _span(first: date | None, last: date | None, what: str) -> tuple[date, date] | None:
    if first is None and last is None:
        return None
    if first is None or last is None:
        raise _bad(f"{what}: give both days, or neither")
    if last < first:
        raise _bad(f"{what}: the last day is before the first")
    if (last - first).days + 1 > MAX_DAYS:
        raise _bad(f"{what}: at most {MAX_DAYS} days")
    return first, last


def _report_args(state: AppState, asked: Asked, now: datetime) -> tuple[Period, KpiOptions]:
    settings = state.settings
    zone = settings.callback_timezone  # the city hall's clock
    span = _span(asked.start, asked.end, "period")
    if span is None:
        period = default_period(asked.grain, now.astimezone(ZoneInfo(zone)).date(), zone)
    else:
        period = Period(span[0], span[1], asked.grain, zone)
    baseline = _span(asked.baseline_from, asked.baseline_to, "baseline")
    if baseline is None and settings.kpi_baseline_from and settings.kpi_baseline_to:
        baseline = (settings.kpi_baseline_from, settings.kpi_baseline_to)
    queues = desk_policy(state).queues
    services = tuple(q for q in queues.all_queues() if q != queues.reception)
    options = KpiOptions(
        reception_queue=queues.reception, now=now, baseline=baseline, services=services
    )
    return period, options


def kpis_router(state: AppState) -> APIRouter:
    router = APIRouter()

    async def report(asked: Asked) -> KpiReport:
        period, options = _report_args(state, asked, utcnow())
        return await asyncio.to_thread(compute_kpis, state.store, period, options, state.kpis)

    @router.get("/kpis", response_class=HTMLResponse)
    async def page(who: Reader, asked: AskedPeriod, lang: Literal["fr", "en"] | None = None) -> str:
        chosen = page_lang(lang, who)
        return kpi_page(who, await report(asked), chosen, asked.query())

    @router.get("/kpis/assets/{name}")
    def asset(who: Reader, name: str) -> FileResponse:
        return asset_file(ASSETS, name, {".css": "text/css"})  # its stylesheet(s) only

    @router.get("/api/kpis")
    async def as_json(who: Reader, asked: AskedPeriod) -> dict[str, Any]:
        return (await report(asked)).to_json()

    @router.get("/api/kpis/{table}.csv")
    async def as_csv(who: Reader, table: str, asked: AskedPeriod) -> Response:
        if table not in TABLES:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such table")
        found = await report(asked)
        name = f"kpis-{table}-{found.period.start}-{found.period.end}.csv"
        return Response(
            # a BOM: the spreadsheets a city hall opens a CSV with read UTF-8 by it
            content="\ufeff" + table_csv(found.tables[table]),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    return router
