"""Which queues a desk account serves: an agent the flow's reception queue, an
expert the queues of their services (the flow maps a card's service to its queue)."""

from __future__ import annotations

from guichet.desk import DESK_STATES, DeskQueues
from guichet.settings import Settings
from pbx.desk import desk_queues


def test_agents_serve_reception_and_experts_their_services_queues() -> None:
    queues = desk_queues(Settings())  # the packaged default flow
    assert queues.reception == "reception"
    assert queues.queues_for("agent", ()) == ["reception"]
    # titres-identite is handled by the etat-civil queue: served once
    assert queues.queues_for("expert", ["titres-identite", "etat-civil", "urbanisme"]) == [
        "etat-civil",
        "urbanisme",
    ]
    assert queues.queues_for("supervisor", ()) == []
    assert queues.labels["etat-civil"] == {"fr": "État civil", "en": "Civil registry"}
    assert set(queues.all_queues()) == set(Settings().queues)


def test_a_service_the_flow_does_not_name_is_its_own_queue() -> None:
    assert DeskQueues().queues_for("expert", ["urbanisme"]) == ["urbanisme"]
    assert DESK_STATES == ("available", "paused", "wrapup", "logged_out")
