"""The per-object rule on callbacks: supervisors and admins every callback; an expert
those of their services; an agent none (the reception books callbacks, the services
make them)."""

from __future__ import annotations

from agent_softphone.access import Principal

__all__ = ["may_work_callback", "services_seen"]


def services_seen(who: Principal) -> frozenset[str] | None:
    """The services whose callbacks ``who`` may list: None for every service."""
    if who.sees_everything:
        return None
    if who.role == "expert":
        return who.services
    return frozenset()


def may_work_callback(who: Principal, service: str | None) -> bool:
    seen = services_seen(who)
    return seen is None or (service is not None and service in seen)
