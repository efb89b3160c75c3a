"""What the browser may send through the SIP relay: requests in its own name only.

Asterisk sees every relayed frame come from the web app's address, so it cannot tell
one browser from another; the relay holds each socket to its logged-in account. An
out-of-dialog request (REGISTER, INVITE, SUBSCRIBE…: no tag in ``To``) must name that
account in ``From`` (and in ``To`` for a REGISTER, the binding it changes), and any
``Authorization`` must be for it. Requests inside a dialog are matched by Asterisk to
the dialog they continue (their ``From`` is then the contact JsSIP made up, not the
account), and responses answer Asterisk's own requests: both pass as they are.
"""

from __future__ import annotations

import re

_REQUEST_LINE = re.compile(r"^(?P<method>[A-Z]+) (?P<uri>\S+) SIP/2\.0$")
# the user part of a SIP URI in a header value, display name and brackets aside
_USER = re.compile(r"<?sips?:(?P<user>[^@;>\s]+)@", re.IGNORECASE)
_AUTH_USER = re.compile(r'\busername\s*=\s*"(?P<user>[^"]*)"', re.IGNORECASE)
_TAG = re.compile(r";\s*tag=", re.IGNORECASE)
# compact forms (RFC 3261 §7.3.3)
_COMPACT = {"f": "from", "t": "to"}


class RefusedFrame(ValueError):
    """A frame the relay does not pass on (the reason is logged, never sent)."""


def _headers(frame: str) -> tuple[str, dict[str, list[str]]]:
    head = frame.split("\r\n\r\n", 1)[0]
    lines = head.split("\r\n")
    headers: dict[str, list[str]] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            continue
        key = name.strip().lower()
        headers.setdefault(_COMPACT.get(key, key), []).append(value.strip())
    return lines[0], headers


def _one_user(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name, [])
    if len(values) != 1:
        return None  # missing, or repeated to confuse whoever reads only the first
    found = _USER.search(values[0])
    return found["user"] if found else None


def check_frame(frame: str, username: str) -> None:
    """Raise :class:`RefusedFrame` unless ``frame`` may go to Asterisk from
    ``username``'s socket."""
    start, headers = _headers(frame)
    if start.startswith("SIP/2.0 "):
        return  # a response to Asterisk's request
    if not start.strip():
        return  # a keep-alive (CRLF)
    request = _REQUEST_LINE.match(start)
    if request is None:
        raise RefusedFrame("not a SIP request or response")
    for value in headers.get("authorization", []) + headers.get("proxy-authorization", []):
        auth = _AUTH_USER.search(value)
        if auth is None or auth["user"] != username:
            raise RefusedFrame("credentials of another user")
    to_values = headers.get("to", [])
    in_dialog = len(to_values) == 1 and _TAG.search(to_values[0]) is not None
    if in_dialog and request["method"] != "REGISTER":
        return
    if _one_user(headers, "from") != username:
        raise RefusedFrame(f"{request['method']} from another user")
    if request["method"] == "REGISTER" and _one_user(headers, "to") != username:
        raise RefusedFrame("REGISTER for another user")
