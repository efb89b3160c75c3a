from pbx.ari.events import (
    AriEvent,
    ChannelDtmfReceived,
    PlaybackFinished,
    StasisEnd,
    StasisStart,
    parse_event,
)

CHANNEL = {
    "id": "1700000000.1",
    "name": "PJSIP/trunk-00000001",
    "state": "Ring",
    "caller": {"name": "", "number": "+33612345678"},
    "dialplan": {"context": "from-trunk", "exten": "3000", "priority": 3},
    "language": "fr",
}


def test_stasis_start_is_typed() -> None:
    event = parse_event(
        {"type": "StasisStart", "application": "guichet", "args": [], "channel": CHANNEL}
    )
    assert isinstance(event, StasisStart)
    assert event.channel.id == "1700000000.1"
    assert event.channel.caller.number == "+33612345678"
    assert event.channel.dialplan_exten == "3000"
    assert event.channel_id == "1700000000.1"


def test_dtmf_and_end() -> None:
    dtmf = parse_event(
        {
            "type": "ChannelDtmfReceived",
            "application": "g",
            "digit": "0",
            "duration_ms": 120,
            "channel": CHANNEL,
        }
    )
    assert isinstance(dtmf, ChannelDtmfReceived) and dtmf.digit == "0" and dtmf.duration_ms == 120
    assert isinstance(
        parse_event({"type": "StasisEnd", "application": "g", "channel": CHANNEL}), StasisEnd
    )


def test_playback_event_knows_its_channel() -> None:
    event = parse_event(
        {
            "type": "PlaybackFinished",
            "application": "g",
            "playback": {
                "id": "p1",
                "media_uri": "sound:hello-world",
                "target_uri": "channel:1700000000.1",
                "state": "done",
            },
        }
    )
    assert isinstance(event, PlaybackFinished)
    assert event.channel_id == "1700000000.1"


def test_unknown_or_malformed_events_are_kept_raw() -> None:
    event = parse_event({"type": "BridgeCreated", "application": "g", "bridge": {}})
    assert type(event) is AriEvent and event.type == "BridgeCreated"
    broken = parse_event({"type": "StasisStart", "application": "g"})  # no channel
    assert type(broken) is AriEvent
