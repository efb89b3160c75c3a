"""A bare SIP user agent over UDP, for tests that need requests no softphone sends
(a REFER from the trunk, a REGISTER for someone else, a malformed message) and the
exact answer Asterisk gives.

    async with SipUdp(("127.0.0.1", 5060), source_ip="127.0.0.2") as sip:
        reply = await sip.request(sip.options())
        dialog = await sip.invite("3999")          # INVITE, 200, ACK
        refer = await sip.request(dialog.refer("sip:1001@127.0.0.1"))
        await sip.request(dialog.bye())

It speaks just enough SIP for that: one transaction at a time is matched by Call-ID
and CSeq, no authentication, no retransmission (loopback drops nothing that matters
here, and the time-outs say so when it does). Nothing sleeps: every wait is on a
datagram, with a time-out.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass
from types import TracebackType

CRLF = "\r\n"
# compact header forms (RFC 3261 §7.3.3) that Asterisk may use
_COMPACT = {
    "i": "call-id",
    "m": "contact",
    "f": "from",
    "t": "to",
    "v": "via",
    "l": "content-length",
}


class SipTimeout(AssertionError):
    """No (final) response came in time."""


@dataclass
class SipResponse:
    status: int
    reason: str
    headers: dict[str, list[str]]
    body: str
    raw: bytes

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower(), [])
        return values[0] if values else ""

    @property
    def to_tag(self) -> str:
        match = re.search(r";\s*tag=([^;\s>]+)", self.header("to"))
        return match.group(1) if match else ""

    @property
    def contact_uri(self) -> str:
        match = re.search(r"<([^>]+)>", self.header("contact"))
        return match.group(1) if match else self.header("contact").strip()


def parse_response(data: bytes) -> SipResponse | None:
    """A SIP response, or None for anything else (a request Asterisk sends us, noise)."""
    text = data.decode("utf-8", errors="replace")
    head, _, body = text.partition(CRLF + CRLF)
    lines = head.split(CRLF)
    match = re.match(r"SIP/2\.0 (\d{3}) ?(.*)", lines[0])
    if match is None:
        return None
    headers: dict[str, list[str]] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            continue
        key = name.strip().lower()
        headers.setdefault(_COMPACT.get(key, key), []).append(value.strip())
    return SipResponse(int(match.group(1)), match.group(2), headers, body, data)


def content_length(message: str) -> str:
    """``message`` with a Content-Length header that matches its body appended."""
    head, _, body = message.partition(CRLF + CRLF)
    return f"{head}{CRLF}Content-Length: {len(body.encode())}{CRLF}{CRLF}{body}"


@dataclass
class Dialog:
    """An established INVITE dialog, from the caller's side."""

    sip: SipUdp
    call_id: str
    local_tag: str
    remote_tag: str
    remote_target: str
    from_user: str
    request_uri: str
    from_header: str = ""
    cseq: int = 1

    def _request(self, method: str, extra: str = "", body: str = "") -> tuple[bytes, str, int]:
        self.cseq += 1
        text = self.sip.build(
            method,
            self.remote_target,
            call_id=self.call_id,
            cseq=self.cseq,
            from_user=self.from_user,
            from_tag=self.local_tag,
            to_uri=self.request_uri,
            to_tag=self.remote_tag,
            extra=extra,
            body=body,
            from_header=self.from_header,
        )
        return text, method, self.cseq

    def refer(self, refer_to: str) -> tuple[bytes, str, int]:
        return self._request("REFER", f"Refer-To: <{refer_to}>{CRLF}")

    def bye(self) -> tuple[bytes, str, int]:
        return self._request("BYE")


class SipUdp:
    """One UDP socket at ``source_ip`` talking to ``target``."""

    def __init__(self, target: tuple[str, int], *, source_ip: str = "127.0.0.1") -> None:
        self.target = target
        self.source_ip = source_ip
        self.local_port = 0
        self.received: list[bytes] = []  # every datagram, in order
        self._waiters: list[asyncio.Future[None]] = []
        self._transport: asyncio.DatagramTransport | None = None
        self._media: asyncio.DatagramTransport | None = None
        self.media_port = 0

    async def __aenter__(self) -> SipUdp:
        loop = asyncio.get_running_loop()
        sip = self

        class _Protocol(asyncio.DatagramProtocol):
            def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
                sip._received(data)

        transport, _ = await loop.create_datagram_endpoint(
            _Protocol, local_addr=(self.source_ip, 0)
        )
        self._transport = transport
        self.local_port = int(transport.get_extra_info("sockname")[1])
        # where Asterisk sends RTP for an answered INVITE: bound, never read
        media, _ = await loop.create_datagram_endpoint(
            asyncio.DatagramProtocol, local_addr=(self.source_ip, 0)
        )
        self._media = media
        self.media_port = int(media.get_extra_info("sockname")[1])
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for transport in (self._transport, self._media):
            if transport is not None:
                transport.close()

    def _received(self, data: bytes) -> None:
        self.received.append(data)
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def next_datagram(self) -> None:
        """Until one more datagram has arrived."""
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        await waiter

    # -- building ------------------------------------------------------------------------

    @property
    def via(self) -> str:
        return f"{self.source_ip}:{self.local_port}"

    def uri(self, user: str) -> str:
        """``sip:user@asterisk``, or Asterisk itself for an empty user."""
        return f"sip:{user + '@' if user else ''}{self.target[0]}:{self.target[1]}"

    def build(
        self,
        method: str,
        request_uri: str,
        *,
        call_id: str,
        cseq: int,
        from_user: str,
        from_tag: str,
        to_uri: str,
        to_tag: str = "",
        extra: str = "",
        body: str = "",
        content_type: str = "application/sdp",
        branch: str = "",
        from_header: str = "",
    ) -> bytes:
        """A request; ``from_header`` replaces the From field's name-addr (its tag is
        added)."""
        branch = branch or "z9hG4bK" + secrets.token_hex(8)
        to = f"<{to_uri}>" + (f";tag={to_tag}" if to_tag else "")
        sender = from_header or f"<sip:{from_user}@{self.source_ip}>"
        lines = (
            f"{method} {request_uri} SIP/2.0{CRLF}"
            f"Via: SIP/2.0/UDP {self.via};rport;branch={branch}{CRLF}"
            f"Max-Forwards: 70{CRLF}"
            f"From: {sender};tag={from_tag}{CRLF}"
            f"To: {to}{CRLF}"
            f"Call-ID: {call_id}{CRLF}"
            f"CSeq: {cseq} {method}{CRLF}"
            f"Contact: <sip:{from_user}@{self.via}>{CRLF}"
            f"User-Agent: guichet-tests{CRLF}"
            f"{extra}" + (f"Content-Type: {content_type}{CRLF}" if body else "") + f"{CRLF}{body}"
        )
        return content_length(lines).encode()

    def sdp(self) -> str:
        ip = self.source_ip
        return CRLF.join(
            [
                "v=0",
                f"o=- 1 1 IN IP4 {ip}",
                "s=-",
                f"c=IN IP4 {ip}",
                "t=0 0",
                f"m=audio {self.media_port} RTP/AVP 0 101",
                "a=rtpmap:0 PCMU/8000",
                "a=rtpmap:101 telephone-event/8000",
                "a=sendrecv",
                "",
            ]
        )

    def options(self, user: str = "torture", from_user: str = "caller") -> tuple[bytes, str, int]:
        call_id = secrets.token_hex(10)
        text = self.build(
            "OPTIONS",
            self.uri(user),
            call_id=call_id,
            cseq=1,
            from_user=from_user,
            from_tag=secrets.token_hex(4),
            to_uri=self.uri(user),
        )
        return text, "OPTIONS", 1

    # -- transactions --------------------------------------------------------------------

    def send(self, data: bytes) -> None:
        assert self._transport is not None, "use `async with`"
        self._transport.sendto(data, self.target)

    async def final_response(
        self, call_id: str, method: str, cseq: int, timeout: float = 10.0, start: int = 0
    ) -> SipResponse:
        """The first final (>= 200) response to ``method`` ``cseq`` of ``call_id`` among
        the datagrams from index ``start`` on."""

        def find() -> SipResponse | None:
            for data in self.received[start:]:
                reply = parse_response(data)
                if (
                    reply is not None
                    and reply.status >= 200
                    and reply.header("call-id") == call_id
                    and reply.header("cseq").split() == [str(cseq), method]
                ):
                    return reply
            return None

        async def until_found() -> SipResponse:
            while (reply := find()) is None:
                await self.next_datagram()
            return reply

        try:
            return await asyncio.wait_for(until_found(), timeout)
        except TimeoutError:
            raise SipTimeout(f"no final response to {method} {cseq} in {timeout} s") from None

    async def request(self, request: tuple[bytes, str, int], timeout: float = 10.0) -> SipResponse:
        """Send ``request`` (as built by this class) and wait for its final response."""
        data, method, cseq = request
        call_id = _header(data, "Call-ID")
        start = len(self.received)
        self.send(data)
        return await self.final_response(call_id, method, cseq, timeout, start)

    async def invite(
        self,
        user: str,
        *,
        from_user: str = "caller",
        from_header: str = "",
        timeout: float = 15.0,
    ) -> Dialog | SipResponse:
        """INVITE ``user``; on 200 send the ACK and return the dialog, else the failure."""
        call_id = secrets.token_hex(10)
        tag = secrets.token_hex(4)
        branch = "z9hG4bK" + secrets.token_hex(8)
        uri = self.uri(user)
        data = self.build(
            "INVITE",
            uri,
            call_id=call_id,
            cseq=1,
            from_user=from_user,
            from_tag=tag,
            to_uri=uri,
            body=self.sdp(),
            branch=branch,
            from_header=from_header,
        )
        reply = await self.request((data, "INVITE", 1), timeout)
        if reply.status >= 300:
            # a failure's ACK belongs to the INVITE's transaction (its branch): without
            # it Asterisk repeats the failure for 32 s
            self.send(
                self.build(
                    "ACK",
                    uri,
                    call_id=call_id,
                    cseq=1,
                    from_user=from_user,
                    from_tag=tag,
                    to_uri=uri,
                    to_tag=reply.to_tag,
                    branch=branch,
                    from_header=from_header,
                )
            )
            return reply
        dialog = Dialog(
            self, call_id, tag, reply.to_tag, reply.contact_uri, from_user, uri, from_header
        )
        self.send(
            self.build(
                "ACK",
                dialog.remote_target,
                call_id=call_id,
                cseq=1,
                from_user=from_user,
                from_tag=tag,
                to_uri=uri,
                to_tag=reply.to_tag,
                from_header=from_header,
            )
        )
        return dialog


def _header(data: bytes, name: str) -> str:
    match = re.search(rf"^{name}:\s*(.+?)\r$", data.decode(errors="replace"), re.M | re.I)
    if match is None:
        raise ValueError(f"no {name} header")
    return match.group(1).strip()
