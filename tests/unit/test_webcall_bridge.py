"""``pbx.webcall.PbxWebCalls`` before Asterisk is involved: a web call is routed
only where a person can take it, its call row is written answered and on its way to
the queue before the channel exists, and a leg Asterisk refuses leaves no open row."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest

import ivr_flows
from guichet.store import Store
from guichet.webcall import WebCallJoin, WebCallUnavailable
from ivr_flows.loader import load_flow
from pbx.ari.rest import AriRest
from pbx.calls import CallRepository, CallState
from pbx.queues.flow import HandOver
from pbx.webcall import PbxWebCalls
from tests.support.call_fakes import FakeRest, refused

FLOW = load_flow(Path(ivr_flows.__file__).parent / "default.yaml")


class MediaRest(FakeRest):
    """FakeRest with ARI's externalMedia (chan_websocket) request."""

    async def external_media_websocket(
        self, app: str, channel_id: str, audio_format: str = "slin16"
    ) -> str:
        await self._do("external_media", channel_id, app, audio_format)
        return "connection-1"


def bridge(store: Store, rest: MediaRest, free: set[str]) -> PbxWebCalls:
    webcalls = PbxWebCalls()
    webcalls.bind(
        rest=cast(AriRest, rest),
        app="guichet",
        ari_base_url="http://127.0.0.1:1",
        calls=CallRepository(store),
        hand_over=HandOver(FLOW, ["reception", "etat-civil"], free.__contains__),
    )
    return webcalls


async def test_not_bound_no_person_is_offered() -> None:
    webcalls = PbxWebCalls()
    assert webcalls.people_available() is False
    with pytest.raises(WebCallUnavailable):
        await webcalls.join(WebCallJoin("case-1", "fr"), lambda _pcm: None)


async def test_nobody_in_the_queues_no_leg_is_opened(store: Store) -> None:
    rest = MediaRest()
    webcalls = bridge(store, rest, free=set())
    assert webcalls.people_available() is False
    with pytest.raises(WebCallUnavailable):
        await webcalls.join(WebCallJoin("case-1", "fr"), lambda _pcm: None)
    assert rest.requests == []
    assert await CallRepository(store).open_calls() == []


async def test_a_refused_leg_leaves_its_row_ended(store: Store) -> None:
    rest = MediaRest()
    rest.refuse["external_media"] = refused()
    webcalls = bridge(store, rest, free={"reception"})
    assert webcalls.people_available() is True
    with pytest.raises(WebCallUnavailable):
        await webcalls.join(WebCallJoin("case-1", "fr"), lambda _pcm: None)
    calls = CallRepository(store)
    assert await calls.open_calls() == []
    (name, channel_id, *_rest) = rest.requests[0]
    assert name == "external_media"
    record = await calls.get(channel_id)
    assert record is not None and record.state is CallState.ENDED
    assert record.facts.case_id == "case-1"
    kinds = [kind for kind, _ in await calls.events(channel_id)]
    assert "state.transferring" in kinds  # routed to the queue before the channel
