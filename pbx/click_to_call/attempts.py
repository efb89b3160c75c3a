"""The experts' callback work with the call flow's real opening hours (holidays,
closures): where a no-answer's next attempt is scheduled."""

from __future__ import annotations

from guichet.casefile.attempts import CallbackAttempts
from guichet.casefile.callbacks import CallbackBook
from guichet.settings import Settings
from guichet.store import Store
from ivr_flows import load_flow_for
from ivr_flows.calendar import opening_slots

__all__ = ["callback_attempts"]


def callback_attempts(settings: Settings, store: Store) -> CallbackAttempts:
    flow = load_flow_for(settings)
    book = CallbackBook.from_settings(
        store,
        settings,
        open_slots=opening_slots(flow),
        service_labels={slug: service.label for slug, service in flow.services.items()},
    )
    return CallbackAttempts.from_settings(store, settings, book)
