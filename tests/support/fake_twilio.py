"""A local stand-in for Twilio's Messages API, spoken on the wire as Twilio does, so
the real ``twilio`` client library can be tested (and ``make run`` can point at it).

- ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` (form: To, From, Body;
  HTTP Basic auth AccountSid:AuthToken) → 201 with a Message resource; 400 with code
  21211 for an invalid To; 401 with code 20003 for bad credentials.
- ``GET`` the same path (To, From, DateSent> filters) → a page of messages, which the
  outbox uses to learn whether a message was already accepted.
- ``fail_next(n, status)`` answers the next n POSTs with a Twilio-style error;
  ``hang_next(n)`` holds them past the client's timeout; ``accept_and_hold_next(n)``
  takes the next n messages (listed, as sent) but holds the replies until ``stop``:
  a sender killed meanwhile never learns that its message left.

Run it alone: ``python -m tests.support.fake_twilio --port 8099`` then set
``sms_provider = "twilio"``, ``twilio_base_url = "http://127.0.0.1:8099"`` and the
account SID / token it prints.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import secrets
import sys
import threading
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC[0-9a-fA-F]{32})/Messages\.json$")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")


class FakeTwilio:
    def __init__(
        self,
        account_sid: str | None = None,
        auth_token: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.account_sid = account_sid or "AC" + secrets.token_hex(16)
        self.auth_token = auth_token or secrets.token_hex(16)
        self.messages: list[dict[str, Any]] = []  # accepted messages, in order
        self.posts = 0  # every POST, accepted or not
        self._changed = threading.Condition()
        self._failures: list[tuple[int, int]] = []  # (status, code) per next POST
        self._hangs: list[float] = []
        self._holds = 0  # next POSTs accepted, then answered only at stop
        self.held = 0  # messages accepted whose reply is held
        self._release = threading.Event()
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = _Server((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeTwilio:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # --- test controls ---
    def fail_next(self, count: int = 1, status: int = 500, code: int = 20500) -> None:
        with self._changed:
            self._failures.extend([(status, code)] * count)

    def hang_next(self, count: int = 1) -> None:
        """The next POSTs get no answer until :meth:`stop` (the client times out)."""
        with self._changed:
            self._hangs.extend([1.0] * count)

    def accept_and_hold_next(self, count: int = 1) -> None:
        """The next POSTs are accepted (the message is listed, as Twilio would send
        it) but get no answer until :meth:`stop`."""
        with self._changed:
            self._holds += count

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Block until at least ``count`` messages were accepted."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.messages) >= count, timeout):
                raise TimeoutError(f"{len(self.messages)} of {count} messages arrived")
            return list(self.messages)

    def wait_for_to(self, number: str, timeout: float = 10.0) -> dict[str, Any]:
        """Block until a message to ``number`` was accepted; the first one."""
        with self._changed:
            if not self._changed.wait_for(
                lambda: any(m["to"] == number for m in self.messages), timeout
            ):
                raise TimeoutError("no message to that number arrived")
            return next(m for m in self.messages if m["to"] == number)

    def wait_held(self, count: int, timeout: float = 10.0) -> None:
        """Block until at least ``count`` messages were accepted with a held reply."""
        with self._changed:
            if not self._changed.wait_for(lambda: self.held >= count, timeout):
                raise TimeoutError(f"{self.held} of {count} held messages arrived")

    # --- called by the handler ---
    def _authorised(self, header: str | None, sid: str) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return user == sid == self.account_sid and password == self.auth_token

    def _post(self, sid: str, form: dict[str, str]) -> tuple[int, dict[str, Any], bool]:
        with self._changed:
            self.posts += 1
            hang = bool(self._hangs) and self._hangs.pop(0) > 0
            failure = self._failures.pop(0) if self._failures and not hang else None
        if hang:
            return 0, {}, True
        if failure is not None:
            status, code = failure
            return status, _error(status, code, "simulated failure"), False
        to, sender, body = form.get("To", ""), form.get("From", ""), form.get("Body", "")
        if not _E164.match(to):
            return (
                400,
                _error(400, 21211, f"The 'To' number {to} is not a valid phone number."),
                False,
            )
        if not sender:
            return 400, _error(400, 21603, "A 'From' phone number is required."), False
        if not body:
            return 400, _error(400, 21602, "Message body is required."), False
        now = datetime.now(UTC)
        message: dict[str, Any] = {
            "account_sid": sid,
            "api_version": "2010-04-01",
            "body": body,
            "date_created": format_datetime(now),
            "date_sent": format_datetime(now),
            "date_updated": format_datetime(now),
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": sender,
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": "SM" + secrets.token_hex(16),
            "status": "queued",
            "subresource_uris": {},
            "to": to,
            "uri": "",
            "_sent": now,
        }
        message["uri"] = f"/2010-04-01/Accounts/{sid}/Messages/{message['sid']}.json"
        with self._changed:
            self.messages.append(message)
            hold = self._holds > 0  # only a message it took: a rejected one is answered
            if hold:
                self._holds -= 1
                self.held += 1
            self._changed.notify_all()
        return 201, _public(message), hold

    def _list(self, sid: str, query: dict[str, list[str]]) -> dict[str, Any]:
        def first(name: str) -> str | None:
            values = query.get(name)
            return values[0] if values else None

        to, sender, after = first("To"), first("From"), first("DateSent>")
        since = (
            datetime.strptime(after, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) if after else None
        )
        with self._changed:
            found = [
                _public(m)
                for m in reversed(self.messages)
                if (to is None or m["to"] == to)
                and (sender is None or m["from"] == sender)
                and (since is None or m["_sent"] >= since)
            ]
        uri = f"/2010-04-01/Accounts/{sid}/Messages.json"
        return {
            "messages": found,
            "end": max(len(found) - 1, 0),
            "first_page_uri": uri,
            "next_page_uri": None,
            "page": 0,
            "page_size": len(found),
            "previous_page_uri": None,
            "start": 0,
            "uri": uri,
        }


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client killed mid-request (the crash tests do that) is not the server's
        # error: no traceback on stderr for it
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def _public(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if not k.startswith("_")}


def _error(status: int, code: int, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


class _Handler(BaseHTTPRequestHandler):
    fake: FakeTwilio
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output (and numbers) quiet

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _route(self) -> str | None:
        match = _PATH.match(urlsplit(self.path).path)
        if match is None:
            self._reply(404, _error(404, 20404, "The requested resource was not found"))
            return None
        sid = match["sid"]
        if not self.fake._authorised(self.headers.get("Authorization"), sid):
            self._reply(401, _error(401, 20003, "Authenticate"))
            return None
        return sid

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        sid = self._route()
        if sid is None:
            return
        form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        status, payload, hang = self.fake._post(sid, form)
        if hang:
            self.fake._release.wait()
            self.close_connection = True
            return
        self._reply(status, payload)

    def do_GET(self) -> None:
        sid = self._route()
        if sid is None:
            return
        self._reply(200, self.fake._list(sid, parse_qs(urlsplit(self.path).query)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--account-sid")
    parser.add_argument("--auth-token")
    args = parser.parse_args()
    fake = FakeTwilio(args.account_sid, args.auth_token, args.host, args.port).start()
    print(f"fake Twilio at {fake.base_url}", flush=True)
    print(f"  twilio_base_url = {fake.base_url!r}", flush=True)
    print(f"  twilio_account_sid = {fake.account_sid!r}", flush=True)
    print(f"  twilio_auth_token = {fake.auth_token!r}", flush=True)
    seen = 0
    try:
        while True:
            try:
                messages = fake.wait_for(seen + 1, timeout=3600)
            except TimeoutError:
                continue
            for m in messages[seen:]:
                print(f"SMS {m['sid']} to {m['to']}: {m['body']}", flush=True)
            seen = len(messages)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
