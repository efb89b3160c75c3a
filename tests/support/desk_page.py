"""What an agent does on the desk page in the browser tests (Playwright)."""

from __future__ import annotations

from playwright.async_api import Page

__all__ = ["set_state"]


async def set_state(page: Page, state: str, reason: str = "", *, timeout_ms: float) -> None:
    """Tick ``state`` (with its pause reason), submit, and wait until the panel shows it."""
    await page.check(f'#state-form input[value="{state}"]')
    if reason:
        await page.fill("#pause-reason", reason)
    await page.click('#state-form button[type="submit"]')
    await page.wait_for_selector(f'#state-now[data-state="{state}"]', timeout=timeout_ms)
