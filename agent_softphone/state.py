"""What the web app's routes share (``agent_softphone.app.AppState``): the store, the
event bus, the settings, the call side. Each feature adds its field here, with a
default, so that a test builds one with only what it needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from guichet.bus import EventBus
from guichet.casefile.attempts import CallbackAttempts
from guichet.click_to_call import ClickToCall
from guichet.desk import DeskControl, DeskPolicy
from guichet.kpis import KpiCache
from guichet.opening import OpeningControl
from guichet.settings import Settings
from guichet.store import Store
from guichet.supervision import SupervisionControl
from knowledge import KnowledgeBase

if TYPE_CHECKING:  # the call button's service imports this module's users
    from agent_softphone.chat.hub import ChatHub  # W1
    from agent_softphone.webcall.service import WebCalls


@dataclass
class AppState:
    store: Store
    health: dict[str, Any] = field(default_factory=dict)  # filled by ``guichet up``
    bus: EventBus | None = None  # given by ``guichet up``: the live events
    settings: Settings = field(default_factory=Settings)
    tls: bool = False  # served over HTTPS: cookies are Secure
    desk: DeskControl | None = None  # the call side (queues, escalation); pbx implements it
    desk_policy: DeskPolicy | None = None  # the desk's queues and timers (flow + settings)
    knowledge: KnowledgeBase | None = None  # live assist's card search (None: no index)
    kpis: KpiCache = field(default_factory=KpiCache)  # the KPI page's settled days (E4)
    click_to_call: ClickToCall | None = None  # experts' callbacks; pbx implements it
    callback_attempts: CallbackAttempts | None = None  # the shell's: the flow's hours
    opening: OpeningControl | None = None  # the wallboard's day/night and closures (pbx)
    supervision: SupervisionControl | None = None  # listen/whisper/barge; pbx implements it
    webcalls: WebCalls | None = None  # the website's call button (None: off)
    chat: ChatHub | None = None  # the website's chat (made by its router on first use)

    @property
    def session_idle(self) -> timedelta:
        return timedelta(minutes=self.settings.web_session_idle_min)

    @property
    def session_lifetime(self) -> timedelta:
        return timedelta(hours=self.settings.web_session_max_h)
