"""The web app against a real stack, for the browser tests: a stack whose accounts
exist before Asterisk starts (their WebRTC endpoints are rendered at its start), and
the real app served by uvicorn on the stack's web port."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from agent_softphone.app import AppState, create_app
from guichet.accounts import AccountRepository
from guichet.runner import bind_tcp
from guichet.settings import load_settings
from guichet.store import Store, open_store
from tests.integration.stack import Stack, stack_env, start_stack
from tests.support.served import serving

__all__ = ["WebStack", "serve_web", "stack_with_accounts"]


@dataclass
class WebStack:
    stack: Stack
    store: Store

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.stack.settings.web_port}"


@contextlib.contextmanager
def stack_with_accounts(
    home: Path, add: Callable[[AccountRepository], None], **env: str
) -> Iterator[WebStack]:
    """``add`` writes the accounts, then Asterisk starts (``env``: the stack's extra
    settings)."""
    store = open_store(load_settings(stack_env(home, **env)).store_url)
    try:
        add(AccountRepository(store))
        stack = start_stack(home, **env)
        try:
            yield WebStack(stack, store)
        finally:
            stack.asterisk.stop()
    finally:
        store.close()


@contextlib.asynccontextmanager
async def serve_web(
    web: WebStack, state: AppState, *, tls_files: tuple[Path, Path] | None = None
) -> AsyncIterator[None]:
    """The real web app on the stack's web port (HTTPS with ``tls_files``, the
    certificate and its key), as ``guichet up`` serves it: entered once its lifespan's
    start-up (the desk states, the wallboard's watch) is done."""
    sock = bind_tcp("127.0.0.1", web.stack.settings.web_port, "web app")
    sock.listen(64)
    cert, key = tls_files or (None, None)
    async with serving(
        create_app(state),
        sock,
        ssl_certfile=str(cert) if cert else None,
        ssl_keyfile=str(key) if key else None,
    ):
        yield
