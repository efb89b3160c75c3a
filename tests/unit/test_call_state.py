import pytest

from pbx.calls.state import (
    TRANSITIONS,
    Answered,
    Callback,
    CallFacts,
    CallState,
    Ended,
    HangingUp,
    InvalidTransition,
    New,
    Transferring,
    Voicebot,
    check_transition,
    decode,
    encode,
)
from pbx.errors import PbxError


def test_every_state_can_end_except_ended() -> None:
    for state in CallState:
        if state is CallState.ENDED:
            assert TRANSITIONS[state] == frozenset()
        else:
            assert CallState.ENDED in TRANSITIONS[state]


def test_no_going_back() -> None:
    check_transition("c1", CallState.ANSWERED, CallState.VOICEBOT)
    check_transition("c1", CallState.VOICEBOT, CallState.CALLBACK)
    with pytest.raises(InvalidTransition, match="c1"):
        check_transition("c1", CallState.VOICEBOT, CallState.ANSWERED)
    with pytest.raises(InvalidTransition):
        check_transition("c1", CallState.CALLBACK, CallState.VOICEBOT)
    with pytest.raises(InvalidTransition):
        check_transition("c1", CallState.ENDED, CallState.NEW)


def test_state_records_round_trip_through_the_store_format() -> None:
    facts = CallFacts(case_id="k1", lang="en", lang_known=True)
    for record in (
        New(),
        Answered(came_back="voicebot"),
        Voicebot(link_id="l1", desk_open=True, service="etat-civil"),
        Callback(link_id="l2", service=None, incident=True, callback_id="cb1"),
        Transferring(queue="reception", escalated=False),
        HangingUp(),
        Ended(),
    ):
        data = encode(facts, record)
        assert decode(record.state, data) == (facts, record)


def test_a_saved_state_from_an_older_version_still_reads() -> None:
    # unknown keys are ignored, missing optional ones take their defaults
    facts, record = decode(CallState.VOICEBOT, {"case_id": "k1", "link_id": "l1", "old": 1})
    assert facts == CallFacts(case_id="k1")
    assert record == Voicebot(link_id="l1")


def test_a_saved_state_without_its_required_data_is_refused() -> None:
    with pytest.raises(PbxError, match="voicebot"):
        decode(CallState.VOICEBOT, {"case_id": "k1"})
