"""The city's KPIs on the web: the page ``/kpis`` (figures per channel and period,
SVG trend charts, every table with its definitions and a CSV export) and the JSON
API, for supervisors and admins. The figures come from :mod:`guichet.kpis`.
``router(state)`` is what ``agent_softphone.app`` includes."""

from agent_softphone.kpis.routes import kpis_router

router = kpis_router

__all__ = ["kpis_router", "router"]
