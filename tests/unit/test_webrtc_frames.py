"""What the SIP relay lets a browser send: only requests in its own account's name."""

from __future__ import annotations

import pytest

from agent_softphone.sip import RefusedFrame, check_frame


def request(method: str, from_user: str, to_user: str, *, to_tag: str = "", extra: str = "") -> str:
    to = f"<sip:{to_user}@guichet>" + (f";tag={to_tag}" if to_tag else "")
    return (
        f"{method} sip:{to_user}@guichet SIP/2.0\r\n"
        "Via: SIP/2.0/WSS abc.invalid;branch=z9hG4bK1\r\n"
        f'From: "Alice" <sip:{from_user}@guichet>;tag=a1\r\n'
        f"To: {to}\r\n"
        "Call-ID: c1\r\n"
        f"CSeq: 1 {method}\r\n"
        f"{extra}"
        "Content-Length: 0\r\n\r\n"
    )


def test_own_register_and_invite_pass() -> None:
    check_frame(request("REGISTER", "alice", "alice"), "alice")
    check_frame(request("INVITE", "alice", "3999"), "alice")
    auth = 'Authorization: Digest username="alice", realm="guichet", nonce="n"\r\n'
    check_frame(request("INVITE", "alice", "3999", extra=auth), "alice")


def test_responses_keepalives_and_in_dialog_requests_pass() -> None:
    check_frame("SIP/2.0 200 OK\r\nFrom: <sip:x@y>\r\n\r\n", "alice")
    check_frame("\r\n\r\n", "alice")
    # JsSIP's BYE for a call Asterisk placed: From is the contact it made up
    check_frame(request("BYE", "k3j2h1", "asterisk", to_tag="t9"), "alice")


@pytest.mark.parametrize(
    "frame",
    [
        request("REGISTER", "bob", "bob"),
        request("REGISTER", "alice", "bob"),  # alice binding bob's address
        request("REGISTER", "alice", "bob", to_tag="x"),  # a tag does not excuse it
        request("INVITE", "bob", "3999"),
        request("INVITE", "trunk", "3000"),
        request("INVITE", "alice", "3999", extra='Authorization: Digest username="bob"\r\n'),
        request("INVITE", "alice", "3999", extra="From: <sip:bob@guichet>\r\n"),  # twice
        request("INVITE", "alice", "3999")
        .replace("From: ", "f: ")
        .replace("sip:alice@", "sip:bob@", 1),
        "GET / HTTP/1.1\r\n\r\n",
    ],
)
def test_frames_in_another_name_are_refused(frame: str) -> None:
    with pytest.raises(RefusedFrame):
        check_frame(frame, "alice")
