"""The call button in a real Chromium: a visitor who refuses the microphone reads a
clear message in the button's live region (and no call is placed); the button is
a real, focusable button with a status region for screen readers."""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.async_api import Request, Route, async_playwright

from agent_softphone.webcall.routes import CALL_JS
from tests.support.browser import CHROMIUM, chromium_flags

# localhost is a secure context: getUserMedia is allowed to ask
BASE = "http://localhost:9"
PAGE = """<!doctype html><html lang="fr"><meta charset="utf-8"><title>site</title>
<main id="widget"></main>
<script src="/webcall/call.js"></script>
<script>GuichetCall.mountCallButton(document.getElementById("widget"), {base: "", lang: "fr"});
</script></html>"""


async def test_a_refused_microphone_gets_a_clear_message() -> None:
    # the fake permission prompt answers "deny", as a visitor clicking "Block" does
    flags = [
        "--use-fake-ui-for-media-stream=deny" if f == "--use-fake-ui-for-media-stream" else f
        for f in chromium_flags(None)
    ]
    posted: list[str] = []

    async def serve(route: Route, request: Request) -> None:
        if request.url.endswith("/webcall/call.js"):
            await route.fulfill(body=CALL_JS.read_text(), content_type="text/javascript")
        elif request.url.startswith(f"{BASE}/api/"):
            posted.append(request.url)
            await route.fulfill(status=503, json={"detail": "no"})
        else:
            await route.fulfill(body=PAGE, content_type="text/html")

    with tempfile.TemporaryDirectory(prefix="chromium-") as tmp:
        async with async_playwright() as pw:
            context = await pw.chromium.launch_persistent_context(
                str(Path(tmp) / "profile"),
                executable_path=str(CHROMIUM),
                headless=True,
                args=flags,
            )
            try:
                page = await context.new_page()
                await page.route(f"{BASE}/**", serve)
                await page.goto(f"{BASE}/")
                button = page.get_by_role("button", name="Appeler la mairie")
                await button.focus()
                await page.keyboard.press("Enter")  # keyboard only
                status = page.get_by_role("status")
                await status.filter(has_text="micro").wait_for(timeout=10_000)
                text = await status.inner_text()
                assert await status.get_attribute("aria-live") == "polite"
                assert await button.is_enabled()
            finally:
                await context.close()
    assert "micro est refusé" in text and "autorisez-le" in text, text
    assert posted == []  # no call was placed
