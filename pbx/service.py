"""Wiring the controller from the settings (used by ``guichet up`` and
``guichet controller run``)."""

from __future__ import annotations

import asyncio

from guichet.bus import EventBus
from guichet.settings import Settings
from guichet.store import Store
from pbx.call_store import CallRepository
from pbx.controller import ControllerConfig, run_controller
from pbx.credentials import credentials


async def serve_controller(
    settings: Settings, store: Store, bus: EventBus, ready: asyncio.Event | None = None
) -> None:
    creds = credentials(settings)
    await run_controller(
        settings.ari_base_url,
        creds.ari_user,
        creds.ari_password,
        CallRepository(store),
        bus,
        ControllerConfig(app=settings.ari_app, greeting=settings.greeting_sound),
        ready=ready,
        initial_backoff_s=settings.reconnect_initial_s,
        max_backoff_s=settings.reconnect_max_s,
    )
