import pytest

from pbx.call_state import TRANSITIONS, CallState, InvalidTransition, check_transition


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
