"""A small store whose every KPI was worked out by hand (see ``test_kpis.py``): two
days, Monday 2 and Tuesday 3 March 2026 on the city hall's clock (Paris, UTC+1 then),
a baseline on 2 and 3 February, and rows just outside the period on both sides.

Times below are UTC. The reception queue is ``reception``; ``etat-civil`` and
``urbanisme`` are specialised services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from guichet.store import Store
from tests.kpis.rows import KpiRows, write_each

__all__ = ["BASELINE", "DAY1", "DAY2", "NOW", "RECEPTION", "at", "seed_store"]

RECEPTION = "reception"
DAY1 = date(2026, 3, 2)
DAY2 = date(2026, 3, 3)
BASELINE = (date(2026, 2, 2), date(2026, 2, 3))
NOW = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)  # callbacks due after this are not counted


def at(text: str) -> datetime:
    """``"03-02 08:00:05"`` -> 2026-03-02T08:00:05Z."""
    month_day, clock = text.split(" ")
    month, day = (int(x) for x in month_day.split("-"))
    hour, minute, second = ([int(x) for x in clock.split(":")] + [0])[:3]
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


MEMBER = "PJSIP/alice"  # the queue member of every queue event


@dataclass
class _Seed:
    """The shared row builder, with this story's times (``at``'s text) and agent."""

    rows: KpiRows

    def call(
        self, call_id: str, started: str, *, bot: bool, answered_s: float, ended_s: float
    ) -> None:
        start = at(started)
        self.rows.call(
            call_id,
            start,
            answered=start + timedelta(seconds=answered_s),
            ended=start + timedelta(seconds=ended_s),
            voicebot_at=start if bot else None,
        )

    def case(self, case_id: str, created: str, outcome: str, **columns: Any) -> None:
        self.rows.case(case_id, at(created), outcome, **columns)

    def queue(self, when: str, queue: str, kind: str, caller: str) -> None:
        self.rows.queue(at(when), queue, kind, caller, member=MEMBER)

    def answered_in_queue(
        self, caller: str, queue: str, joined: str, wait_s: float, talk_s: float
    ) -> None:
        self.rows.answered_in_queue(
            caller, queue, at(joined), wait_s=wait_s, talk_s=talk_s, member=MEMBER
        )

    def abandoned_in_queue(self, caller: str, queue: str, joined: str, wait_s: float) -> None:
        self.rows.abandoned_in_queue(caller, queue, at(joined), wait_s=wait_s, member=MEMBER)

    def turns(self, case_id: str, *turns: tuple[str, str, str, str | None, float | None]) -> None:
        self.rows.turns(case_id, ((at(w), who, text, card, p) for w, who, text, card, p in turns))

    def callback(
        self, ref: str, case_id: str, service: str, due: str, status: str, done: str | None
    ) -> None:
        self.rows.callback(
            f"cb-{ref}",
            ref,
            case_id,
            service,
            requested=at("03-01 09:00"),
            due=at(due),
            status=status,
            done=None if done is None else at(done),
        )

    def sms(self, key: str, status: str, created: str, sent: str | None) -> None:
        self.rows.sms(
            f"sms-{key}",
            key,
            status=status,
            created=at(created),
            sent=None if sent is None else at(sent),
            body="Votre rappel",
        )

    def card_use(self, case_id: str, call_id: str, card: str, kind: str, when: str) -> None:
        self.rows.card_use(case_id, call_id, card, kind, at(when), "alice")


def seed_store(store: Store) -> None:
    """The rows; ``test_kpis.py`` says, figure by figure, what they should give."""
    d = _Seed(KpiRows(write_each(store)))
    # --- day 1, Monday 2 March (Paris) ---
    # c1: 00:30 Paris (23:30 UTC the day before): the bot answers, 60 s of bot time
    d.call("c1", "03-01 23:30", bot=True, answered_s=2, ended_s=62)
    d.case("k1", "03-01 23:30", "answered_by_bot", call_id="c1")
    d.turns(
        "k1",
        ("03-01 23:30:05", "caller", "quels sont les horaires", None, None),
        ("03-01 23:30:10", "bot", "La mairie est ouverte…", "horaires", 0.92),
    )
    # c2: the bot sends the caller to état civil, where an expert answers
    d.call("c2", "03-02 08:00", bot=True, answered_s=1, ended_s=121)
    d.case(
        "k2",
        "03-02 08:00",
        "answered_by_expert",
        call_id="c2",
        wrapup_action="first_level",
        first_level=False,
        wrapped_up_at=at("03-02 08:06"),
        wrapped_up_by="emma",
        service="etat-civil",
    )
    d.turns(
        "k2",
        ("03-02 08:00:05", "caller", "acte de naissance", None, None),
        ("03-02 08:00:10", "bot", "Pour un acte de naissance…", "etat-civil-naissance", 0.81),
        ("03-02 08:00:20", "bot", "Je vous passe un conseiller.", None, None),  # a prompt
    )
    d.answered_in_queue("c2", "etat-civil", "03-02 08:02:05", wait_s=30, talk_s=200)
    # c3: the bot abstains, the caller hangs up (abandoned), 10 s of bot time
    d.call("c3", "03-02 09:00", bot=True, answered_s=1, ended_s=11)
    d.case("k3", "03-02 09:00", "abandoned", call_id="c3")
    d.turns(
        "k3",
        ("03-02 09:00:05", "caller", "Je voudrais inscrire mon chien à la fourrière ?", None, None),
        ("03-02 09:00:08", "bot", "Je n'ai pas de réponse sûre.", None, 0.31),
    )
    # c4: the bot, then reception, answered at first level with a card
    d.call("c4", "03-02 10:00", bot=True, answered_s=1, ended_s=91)
    d.case(
        "k4",
        "03-02 10:00",
        "answered_by_reception",
        call_id="c4",
        handled_by="alice",
        wrapup_action="first_level",
        first_level=True,
        card_used="carte-identite",
        wrapped_up_at=at("03-02 10:05"),
    )
    d.answered_in_queue("c4", RECEPTION, "03-02 10:01:35", wait_s=20, talk_s=100)
    d.card_use("k4", "c4", "carte-identite", "used", "03-02 10:03")
    # c5: straight to reception, escalated to urbanisme, abandoned there
    d.call("c5", "03-02 11:00", bot=False, answered_s=0, ended_s=5)
    d.case(
        "k5",
        "03-02 11:00",
        "escalated",
        call_id="c5",
        handled_by="bob",
        wrapup_action="escalated",
        first_level=False,
        escalated_to="urbanisme",
        wrapped_up_at=at("03-02 11:06"),
    )
    d.answered_in_queue("c5", RECEPTION, "03-02 11:00:05", wait_s=40, talk_s=300)
    d.abandoned_in_queue("c5", "urbanisme", "03-02 11:06:00", wait_s=15)
    # c6: abandoned in the reception queue
    d.call("c6", "03-02 12:00", bot=False, answered_s=0, ended_s=5)
    d.case("k6", "03-02 12:00", "abandoned", call_id="c6")
    d.abandoned_in_queue("c6", RECEPTION, "03-02 12:00:05", wait_s=50)

    # --- day 2, Tuesday 3 March ---
    d.call("c7", "03-03 08:00", bot=True, answered_s=2, ended_s=32)
    d.case("k7", "03-03 08:00", "answered_by_bot", call_id="c7")
    d.turns(
        "k7",
        ("03-03 08:00:05", "caller", "le parking est-il gratuit le dimanche", None, None),
        ("03-03 08:00:06", "system", "note", None, None),
        ("03-03 08:00:08", "bot", "Je ne suis pas sûr.", None, 0.4),
        ("03-03 08:00:15", "caller", "les horaires alors", None, None),
        ("03-03 08:00:18", "bot", "La mairie est ouverte…", "horaires", 0.9),
    )
    # c8: the bot abstains twice, a callback is booked
    d.call("c8", "03-03 09:00", bot=True, answered_s=1, ended_s=41)
    d.case("k8", "03-03 09:00", "callback", call_id="c8")
    d.turns(
        "k8",
        ("03-03 09:00:05", "caller", "je voudrais INSCRIRE mon chien à la fourrière", None, None),
        ("03-03 09:00:10", "bot", "Je n'ai pas de réponse sûre.", None, 0.2),
        ("03-03 09:00:20", "caller", "mon numéro est le 06 12 34 56 78", None, None),
        ("03-03 09:00:25", "bot", "Je n'ai pas compris.", None, 0.1),
    )
    d.call("c9", "03-03 10:00", bot=False, answered_s=0, ended_s=5)
    d.case(
        "k9",
        "03-03 10:00",
        "answered_by_reception",
        call_id="c9",
        handled_by="alice",
        wrapup_action="first_level",
        first_level=True,
        card_used="etat-civil-naissance",
        wrapped_up_at=at("03-03 10:05"),
    )
    d.answered_in_queue("c9", RECEPTION, "03-03 10:00:05", wait_s=10, talk_s=50)
    d.card_use("k9", "c9", "passeport", "pinned", "03-03 10:01")
    # c10: answered at reception, never wrapped up
    d.call("c10", "03-03 11:00", bot=False, answered_s=0, ended_s=5)
    d.case("k10", "03-03 11:00", "open", call_id="c10", handled_by="bob")
    d.answered_in_queue("c10", RECEPTION, "03-03 11:00:05", wait_s=30, talk_s=150)
    d.card_use("k10", "c10", "carte-identite", "used", "03-03 11:01")
    d.card_use("k10", "c10", "passeport", "pinned", "03-03 11:02")
    # a web chat the bot answered
    d.case("k11", "03-03 14:00", "answered_by_bot", channel="chat")
    d.turns(
        "k11",
        ("03-03 14:00:05", "caller", "encombrants", None, None),
        ("03-03 14:00:06", "bot", "Les encombrants…", "dechets-encombrants", 0.88),
    )

    # --- just after: Wednesday 4 March 00:30 Paris (23:30 UTC on the 3rd) ---
    d.call("c12", "03-03 23:30", bot=True, answered_s=1, ended_s=30)
    d.case("k12", "03-03 23:30", "answered_by_bot", call_id="c12")
    d.turns(
        "k12",
        ("03-03 23:30:05", "caller", "horaires", None, None),
        ("03-03 23:30:06", "bot", "La mairie…", "horaires", 0.9),
        ("03-03 23:30:10", "caller", "et le chien", None, None),
        ("03-03 23:30:12", "bot", "Je ne sais pas.", None, 0.2),
    )
    d.answered_in_queue("c12", "etat-civil", "03-03 23:35", wait_s=5, talk_s=5)

    # --- callbacks (now: 3 March 12:00 UTC) ---
    d.callback("R1", "k8", "etat-civil", "03-02 12:00", "done", "03-02 11:00")  # on time
    d.callback("R2", "k8", "etat-civil", "03-02 15:00", "done", "03-02 16:00")  # late
    d.callback("R3", "k5", "urbanisme", "03-02 16:00", "pending", None)  # missed
    d.callback("R4", "k5", "urbanisme", "03-03 11:00", "failed", None)  # missed
    d.callback("R5", "k8", "etat-civil", "03-03 14:00", "pending", None)  # not due yet

    # --- SMS ---
    d.sms("s1", "sent", "03-02 09:59", "03-02 10:00")
    d.sms("s2", "sent", "03-03 08:59", "03-03 09:00")
    d.sms("s3", "failed", "03-03 10:00", None)
    d.sms("s4", "refused", "03-02 08:00", None)
    d.sms("s5", "queued", "03-03 10:30", None)
    d.sms("s6", "sent", "03-04 09:00", "03-04 10:00")  # after the period

    # --- the baseline, 2 and 3 February: 4 cases, 2 transfers to services ---
    for i, when in enumerate(("02-02 09:00", "02-02 10:00", "02-03 09:00", "02-03 10:00")):
        d.case(f"b{i}", when, "answered_by_reception")
    d.queue("02-02 10:00", "etat-civil", "QueueCallerJoin", "bc1")
    d.queue("02-03 10:00", "urbanisme", "QueueCallerJoin", "bc2")
    d.queue("02-03 10:01", RECEPTION, "QueueCallerJoin", "bc3")
