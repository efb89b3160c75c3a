"""A real browser for tests: Debian's ``/usr/bin/chromium`` driven by Playwright for
Python. Playwright's own browser downloads are never used (``executable_path``).

Chromium runs headless with a fresh profile, a fake microphone that plays a WAV (the
``--use-file-for-fake-audio-capture`` file, looped), media permission granted, and
local ICE candidates given as addresses (not mDNS ``.local`` names, which Asterisk
cannot resolve), loopback included, so a page on 127.0.0.1 reaches Asterisk's RTP.

    async with browser_page(base_url, microphone=wav, workdir=tmp) as page:
        await log_in(page, base_url, "alice", password)

or, in a test module, :func:`logged_in_page` inside a fixture of its own.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, Page, Route, async_playwright

from tests.support.audio import sox_convert

CHROMIUM = Path("/usr/bin/chromium")
# RECIPES.md "WebRTC softphone", plus mDNS off for local candidates
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
)
# Chromium's fake capture reads 16-bit PCM WAV; 48 kHz mono is what it plays natively
MIC_RATE = 48000


def chromium_flags(microphone: Path | None) -> list[str]:
    flags = list(FLAGS)
    if microphone is not None:
        flags.append(f"--use-file-for-fake-audio-capture={microphone}")
    return flags


@contextlib.asynccontextmanager
async def browser_context(
    *, microphone: Path | None = None, workdir: Path | None = None
) -> AsyncIterator[BrowserContext]:
    """A Chromium with a fresh profile; ``microphone``: any sox-readable audio file the
    fake capture device plays (looped), converted to what Chromium reads."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} missing: `make test` installs Debian's chromium")
    with tempfile.TemporaryDirectory(prefix="chromium-", dir=workdir) as tmp:
        mic = None
        if microphone is not None:
            mic = sox_convert(microphone, Path(tmp) / "mic.wav", MIC_RATE)
        async with async_playwright() as pw:
            context = await pw.chromium.launch_persistent_context(
                str(Path(tmp) / "profile"),
                executable_path=str(CHROMIUM),
                headless=True,
                args=chromium_flags(mic),
                permissions=["microphone"],
                ignore_https_errors=True,  # a self-signed certificate in TLS tests
            )
            try:
                yield context
            finally:
                await context.close()


async def served_page(context: BrowserContext, url: str, html: str) -> Page:
    """A new page at ``url`` whose HTML the browser's router serves (TEST ONLY pages,
    such as a city's site, on the app's origin), loaded."""
    page = await context.new_page()

    async def serve(route: Route) -> None:
        await route.fulfill(status=200, content_type="text/html", body=html)

    await page.route(url, serve)
    await page.goto(url)
    return page


async def log_in(page: Page, base_url: str, username: str, password: str) -> None:
    """Through the real login form; returns once the session cookie is set."""
    await page.goto(f"{base_url}/login")
    await page.fill("#username", username)
    await page.fill("#password", password)
    async with page.expect_navigation():
        await page.click("button[type=submit]")
    cookies = await page.context.cookies(base_url)
    if not any(c["name"] == "guichet_session" for c in cookies):
        raise AssertionError(f"{username} not logged in: {page.url}\n{await page.content()}")


@contextlib.asynccontextmanager
async def logged_in_page(
    base_url: str,
    username: str,
    password: str,
    *,
    microphone: Path | None = None,
    workdir: Path | None = None,
) -> AsyncIterator[Page]:
    """A page of a fresh browser, logged in as ``username``; console lines are kept
    on ``page.console_lines`` for assertion messages."""
    async with browser_context(microphone=microphone, workdir=workdir) as context:
        page = await context.new_page()
        lines: list[str] = []
        page.on("console", lambda msg: lines.append(f"{msg.type}: {msg.text}"))
        page.console_lines = lines  # type: ignore[attr-defined]
        await log_in(page, base_url, username, password)
        yield page


OpenPage = Callable[..., Awaitable[Page]]


@contextlib.asynccontextmanager
async def browser_pages(workdir: Path | None = None) -> AsyncIterator[OpenPage]:
    """``page = await open_page(base_url, user, password, microphone=wav)``: a
    logged-in page of its own fresh browser, each closed when this block ends."""
    async with contextlib.AsyncExitStack() as stack:

        async def open_page(
            base_url: str, username: str, password: str, *, microphone: Path | None = None
        ) -> Page:
            opened = logged_in_page(
                base_url, username, password, microphone=microphone, workdir=workdir
            )
            return await stack.enter_async_context(opened)

        yield open_page


@pytest.fixture
async def browser_login(tmp_path: Path) -> AsyncIterator[OpenPage]:
    """The async fixture form of :func:`browser_pages` (import it into a test module
    or a conftest): logged-in pages for given accounts, closed when the test ends."""
    async with browser_pages(tmp_path) as open_page:
        yield open_page
