"""The website chat widget against real parts: Debian's headless Chromium loads a page
of "the city's site", served by a tiny HTTP server on ANOTHER origin, with the one
line ``<script src=".../widget.js" data-city=… data-lang="fr" defer>`` and a strict
CSP of its own; the widget talks to the real web app (uvicorn) over CORS, answered by
the voicebot's dialog over the real demo knowledge base, with a real store.

What is checked, each on what the visitor sees and what the store holds:
- a French question gets the right card's answer and its source (a link);
- an out-of-scope question gets the honest abstention and the hand-over offer;
- the callback offer: the number field, the booking, the callback and SMS rows (the
  SMS never carries what the visitor typed);
- the live chat: an agent's desk page (second browser, logged in, desk state
  available) sees the chat waiting, takes it with the bot's transcript and the
  suggested cards, and its reply appears in the visitor's panel;
- keyboard only: open, ask, close with Escape, focus back on the launcher;
- axe-core (npm, agent_softphone/web) on the open widget: 0 violations;
- a page of an unlisted origin: refused (403 preflight), the widget says so;
- the per-conversation rate limit: the visitor reads why.
"""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import BrowserContext, Page, expect
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.responses import FileResponse, HTMLResponse
from starlette.routing import Route

from agent_softphone.app import create_app
from agent_softphone.chat.assets import WIDGET_BUNDLE
from agent_softphone.desk.store import DeskStateRepository
from agent_softphone.state import AppState
from guichet.settings import Settings
from guichet.store import Store, open_store
from guichet.store.models import Callback, Case, CaseTurn, SmsOutboxRow
from knowledge import KnowledgeBase
from tests.support.browser import browser_context, log_in
from tests.support.demo_kb import open_demo_kb
from tests.support.served import serving
from tests.web.login import add_account

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "agent_softphone" / "web" / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "correct horse battery staple"
AGENT = "alice"
UI_MS = 20_000
CARD_URL = "https://www.saint-aubin.example/demarches/{card_id}"

PASSPORT = "Bonjour, je voudrais refaire mon passeport, comment faire ?"
OUT_OF_SCOPE = "Quel temps fera-t-il demain à Tokyo ?"
NUMBER = "06 12 34 56 78"

# TEST ONLY: the city's page; its own CSP names Guichet's origin and nothing else
SITE_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mairie de Saint-Aubin</title>
<script src="{guichet}/widget.js" data-city="Saint-Aubin" data-lang="fr"
  data-color="#7a1f5c" defer></script>
<link rel="stylesheet" href="{guichet}/widget.css">
</head><body><main><h1>Mairie de Saint-Aubin</h1><p>Bienvenue.</p></main></body></html>
"""


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


def serve(app: Any, sock: socket.socket) -> contextlib.AbstractAsyncContextManager[None]:
    """Served with its lifespan on, as ``guichet up`` serves the web app; a desk
    page's open websocket is not waited on for long when the module ends."""
    return serving(app, sock, timeout_graceful_shutdown=3)


def site_app(guichet: str) -> Starlette:
    """The city's site (another origin): the page and, for the test, axe-core."""
    csp = (
        f"default-src 'self'; script-src 'self' {guichet}; style-src 'self' {guichet}; "
        f"connect-src 'self' {guichet}; img-src 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'"
    )

    async def page(request: Any) -> HTMLResponse:
        return HTMLResponse(
            SITE_PAGE.format(guichet=guichet), headers={"Content-Security-Policy": csp}
        )

    async def axe(request: Any) -> FileResponse:
        return FileResponse(AXE, media_type="text/javascript")

    return Starlette(routes=[Route("/", page), Route("/axe.min.js", axe)])


@pytest.fixture(scope="module")
def demo_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return open_demo_kb(tmp_path_factory.mktemp("chat-kb"))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path_factory.mktemp('chat-store') / 'g.db'}")
    add_account(opened, AGENT, "agent", password=PASSWORD, display_name="Alice Martin")
    try:
        yield opened
    finally:
        opened.close()


@dataclass
class Sites:
    guichet: str  # the web app
    site: str  # the city's site, a listed origin
    other: str  # a site whose origin is not listed
    strict: str  # the city's site again, before a web app with tight limits


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sites(store: Store, demo_kb: KnowledgeBase) -> AsyncIterator[Sites]:
    assert WIDGET_BUNDLE.is_file(), "widget.js not built: make setup (mk/web.mk)"
    assert AXE.is_file(), "axe-core missing: npm ci in agent_softphone/web (make setup)"
    socks = [free_socket() for _ in range(5)]
    g, s, o, g2, s2 = (f"http://127.0.0.1:{x.getsockname()[1]}" for x in socks)
    # the site is named "localhost": another host as well as another port
    site, other, strict_site = (u.replace("127.0.0.1", "localhost") for u in (s, o, s2))
    settings = Settings(
        web_chat_origins=[site], web_chat_card_url=CARD_URL, web_chat_agent_seen_s=30
    )
    tight = Settings(web_chat_origins=[strict_site], web_chat_per_conversation_per_min=2)
    app = create_app(AppState(store, settings=settings, knowledge=demo_kb))
    tight_app = create_app(AppState(store, settings=tight, knowledge=demo_kb))
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(serve(app, socks[0]))
        await stack.enter_async_context(serve(site_app(g), socks[1]))
        await stack.enter_async_context(serve(site_app(g), socks[2]))
        await stack.enter_async_context(serve(tight_app, socks[3]))
        await stack.enter_async_context(serve(site_app(g2), socks[4]))
        yield Sites(g, site, other, strict_site)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def visitor(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BrowserContext]:
    async with browser_context(workdir=tmp_path_factory.mktemp("visitor")) as context:
        yield context


async def open_widget(context: BrowserContext, url: str) -> Page:
    page = await context.new_page()
    await page.goto(url)
    launcher = page.locator(".gw-launcher")
    await expect(launcher).to_be_visible(timeout=UI_MS)
    await launcher.click()
    await expect(page.locator(".gw-log li[data-kind=greeting]")).to_have_count(1, timeout=UI_MS)
    return page


async def ask(page: Page, text: str) -> None:
    before = await page.locator(".gw-log li[data-author=bot]").count()
    await page.fill("#gw-input", text)
    await page.keyboard.press("Enter")
    await expect(page.locator(".gw-log li[data-author=bot]")).not_to_have_count(
        before, timeout=UI_MS
    )


async def test_french_question_gets_the_cards_answer_and_its_source(
    sites: Sites, visitor: BrowserContext, store: Store
) -> None:
    page = await open_widget(visitor, sites.site)
    await ask(page, PASSPORT)
    answer = page.locator(".gw-log li[data-kind=answer]").last
    await expect(answer).to_contain_text("passeport", timeout=UI_MS)
    link = answer.locator(".gw-source a")
    await expect(link).to_have_attribute("href", CARD_URL.format(card_id="passeport-demande"))
    await expect(link).to_contain_text("Demande ou renouvellement de passeport")
    # the case: channel web, the question and the answer with its card
    with store.session() as session:
        turns = session.scalars(
            select(CaseTurn).join(Case).where(Case.channel == "web", CaseTurn.text == PASSPORT)
        ).all()
        assert len(turns) == 1
        answered = session.scalars(
            select(CaseTurn).where(
                CaseTurn.case_id == turns[0].case_id, CaseTurn.card_id == "passeport-demande"
            )
        ).all()
        assert answered, "the bot's answer is not in the case with its card"
    await page.close()


async def test_out_of_scope_abstains_offers_a_hand_over_and_books_a_callback(
    sites: Sites, visitor: BrowserContext, store: Store
) -> None:
    page = await open_widget(visitor, sites.site)
    await ask(page, OUT_OF_SCOPE)
    log = page.locator(".gw-log")
    await expect(log.locator("li[data-kind=abstain]")).to_contain_text("pas de réponse fiable")
    offer = log.locator("li[data-kind=offer]").last
    await expect(offer.locator("button[data-offer=callback]")).to_be_visible()
    await expect(offer.locator("button[data-offer=hours]")).to_be_visible()
    # no agent has the desk open: no live chat offered
    await expect(offer.locator("button[data-offer=agent]")).to_have_count(0)

    await offer.locator("button[data-offer=hours]").click()
    hours = log.locator("li[data-kind=hours]")
    await expect(hours).to_contain_text("place de la République", timeout=UI_MS)

    await offer.locator("button[data-offer=callback]").click()
    number = log.locator(".gw-number-form input[type=tel]")
    await expect(number).to_be_focused()
    await number.fill("08 99 12 34 56")  # a premium-rate number: refused as on the phone
    await page.keyboard.press("Enter")
    await expect(log.locator(".gw-number-form [role=alert]")).to_contain_text("ne peut pas")
    await number.fill(NUMBER)
    await page.keyboard.press("Enter")
    booked = log.locator("li[data-kind=callback_booked]")
    await expect(booked).to_contain_text("Référence CB-", timeout=UI_MS)
    reference = (await booked.inner_text()).split("Référence ")[1][:8]

    with store.session() as session:
        callback = session.scalars(select(Callback).where(Callback.reference == reference)).one()
        assert callback.number == "+33612345678"
        case = session.get(Case, callback.case_id)
        assert case is not None and case.channel == "web" and case.outcome == "callback"
        sms = session.scalars(
            select(SmsOutboxRow).where(SmsOutboxRow.idempotency_key.contains(callback.id))
        ).one()
        assert sms.to_number == "+33612345678"
        assert reference in sms.body
        assert "Tokyo" not in sms.body  # nothing the visitor typed goes by SMS
    await page.close()


async def test_live_chat_reaches_an_agent_and_the_reply_reaches_the_visitor(
    sites: Sites, visitor: BrowserContext, store: Store, tmp_path: Path
) -> None:
    DeskStateRepository(store).record(AGENT, "available", "", ["reception"])
    async with browser_context(workdir=tmp_path) as agent_context:
        desk = await agent_context.new_page()
        await log_in(desk, sites.guichet, AGENT, PASSWORD)
        await desk.goto(f"{sites.guichet}/desk")
        panel = desk.locator("#web-chat")
        await expect(panel).to_be_visible(timeout=UI_MS)
        await expect(panel.locator("#chat-waiting")).to_contain_text("Aucune discussion")

        page = await open_widget(visitor, sites.site)
        await ask(page, OUT_OF_SCOPE)
        offer = page.locator(".gw-log li[data-kind=offer]").last
        await offer.locator("button[data-offer=agent]").click()
        await expect(page.locator(".gw-log li[data-kind=waiting]")).to_be_visible(timeout=UI_MS)

        waiting = panel.locator("#chat-waiting li", has_text="Tokyo")
        await expect(waiting).to_be_visible(timeout=UI_MS)
        await waiting.locator("button").click()
        log = panel.locator("#chat-log")
        await expect(log.locator("li[data-author=visitor]")).to_contain_text("Tokyo")
        await expect(log.locator("li[data-author=bot]").first).to_be_visible()  # the bot's part
        await expect(panel.locator("#chat-reliable")).not_to_be_empty(timeout=UI_MS)

        await expect(page.locator(".gw-log li[data-author=system]")).to_contain_text(
            "agent d'accueil a rejoint", timeout=UI_MS
        )
        reply = "Bonjour, je regarde cela pour vous <b>tout de suite</b>."
        await desk.fill("#chat-reply", reply)
        await desk.click("#chat-send")
        agent_line = page.locator(".gw-log li[data-author=agent]")
        await expect(agent_line).to_contain_text(reply, timeout=UI_MS)  # as text, not HTML
        assert await agent_line.locator("b").count() == 0

        await page.fill("#gw-input", "Merci beaucoup !")
        await page.keyboard.press("Enter")
        await expect(log.locator("li[data-author=visitor]").last).to_contain_text(
            "Merci beaucoup", timeout=UI_MS
        )
        await desk.click("#chat-close")
        await expect(page.locator(".gw-log li[data-kind=ended]")).to_be_visible(timeout=UI_MS)
        with store.session() as session:
            rows = session.scalars(
                select(CaseTurn).where(CaseTurn.speaker == "agent", CaseTurn.text == reply)
            ).all()
            assert len(rows) == 1
            case = session.get(Case, rows[0].case_id)
            assert case is not None and case.outcome == "answered_by_reception"
        await page.close()
    DeskStateRepository(store).record(AGENT, "logged_out", "", [])


async def test_keyboard_only_and_axe_core_finds_no_violation(
    sites: Sites, visitor: BrowserContext
) -> None:
    page = await visitor.new_page()
    await page.goto(sites.site)
    launcher = page.locator(".gw-launcher")
    await expect(launcher).to_be_visible(timeout=UI_MS)
    for _ in range(10):  # Tab from the top of the page until the launcher has focus
        await page.keyboard.press("Tab")
        if await launcher.evaluate("node => node === document.activeElement"):
            break
    await expect(launcher).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("#gw-input")).to_be_focused()
    await expect(launcher).to_have_attribute("aria-expanded", "true")
    # the call button (W2's module) is mounted in the widget's toolbar by the hook
    await expect(page.locator(".gw-toolbar .guichet-call")).to_be_visible()
    await expect(page.locator(".gw-log li[data-kind=greeting]")).to_have_count(1, timeout=UI_MS)
    await page.keyboard.type(PASSPORT)
    await page.keyboard.press("Enter")
    await expect(page.locator(".gw-log li[data-kind=answer]")).to_have_count(1, timeout=UI_MS)
    await page.keyboard.type(OUT_OF_SCOPE)
    await page.keyboard.press("Enter")
    await expect(page.locator(".gw-log li[data-kind=offer]")).to_have_count(1, timeout=UI_MS)
    await page.locator("button[data-offer=callback]").click()
    await expect(page.locator(".gw-number-form input")).to_be_focused()

    # axe-core on the open widget with an answer, its source, offers and the number form
    await page.add_script_tag(url=f"{sites.site}/axe.min.js")
    result = await page.evaluate("async () => JSON.stringify(await axe.run(document))")
    violations = json.loads(result)["violations"]
    assert violations == [], json.dumps(
        [(v["id"], v["help"], [n["html"] for n in v["nodes"]][:3]) for v in violations],
        indent=1,
        ensure_ascii=False,
    )

    await page.keyboard.press("Escape")
    await expect(page.locator("#gw-panel")).to_be_hidden()
    await expect(launcher).to_be_focused()
    await page.close()


async def test_an_unlisted_origin_is_refused(sites: Sites, visitor: BrowserContext) -> None:
    async with httpx.AsyncClient() as client:
        preflight = await client.options(
            f"{sites.guichet}/api/chat/conversations",
            headers={"Origin": sites.other, "Access-Control-Request-Method": "POST"},
        )
        assert preflight.status_code == 403
        assert "access-control-allow-origin" not in preflight.headers
        listed = await client.options(
            f"{sites.guichet}/api/chat/conversations",
            headers={"Origin": sites.site, "Access-Control-Request-Method": "POST"},
        )
        assert listed.status_code == 204
        assert listed.headers["access-control-allow-origin"] == sites.site
        assert "default-src 'none'" in listed.headers["content-security-policy"]
    page = await visitor.new_page()
    await page.goto(sites.other)
    await page.locator(".gw-launcher").click()
    await expect(page.locator(".gw-panel > .gw-alert")).to_contain_text(
        "ne répond pas", timeout=UI_MS
    )
    await expect(page.locator(".gw-log li")).to_have_count(0)
    await page.close()


async def test_the_rate_limit_is_said_to_the_visitor(sites: Sites, visitor: BrowserContext) -> None:
    page = await open_widget(visitor, sites.strict)
    await ask(page, PASSPORT)
    await ask(page, "Et pour une carte d'identité ?")
    await page.fill("#gw-input", "Et pour un permis de construire ?")
    await page.keyboard.press("Enter")
    alert = page.locator(".gw-panel > .gw-alert")
    await expect(alert).to_contain_text("trop vite", timeout=UI_MS)
    await expect(page.locator("#gw-input")).to_have_value("Et pour un permis de construire ?")
    await page.close()
