"""The desk's queues from the call flow: the reception queue and each service's
queue (as :class:`pbx.queues.HandOver` maps them), for the web's
:class:`guichet.desk.DeskQueues`."""

from __future__ import annotations

from guichet.desk import DeskQueues
from guichet.settings import Settings
from ivr_flows.loader import load_flow_for


def desk_queues(settings: Settings) -> DeskQueues:
    flow = load_flow_for(settings)
    configured = set(settings.queues)
    services = {slug: s.queue for slug, s in flow.services.items() if s.queue in configured}
    # a queue is labelled by the service that bears its name, else by the first one
    labels: dict[str, dict[str, str]] = {}
    for slug, service in flow.services.items():
        if service.queue not in labels or slug == service.queue:
            labels[service.queue] = {str(k): v for k, v in service.label.items()}
    labels.setdefault(flow.when_open.queue, {"fr": "Accueil", "en": "Reception"})
    return DeskQueues(reception=flow.when_open.queue, services=services, labels=labels)
