"""The expert workspace's routes on the real web app and a real store (SQLite and
PostgreSQL): the callback list per service (audited), click-to-call that dials only
the stored number whatever the request says, the per-object rule on calls and
outcomes, and the outcomes' effects (next attempt, SMS after the last). The call
side is a recording :class:`guichet.click_to_call.ClickToCall` here; the real one
places a real call in tests/integration/test_click_to_call.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from agent_softphone.app import AppState, create_app
from agent_softphone.auth import CSRF_HEADER
from guichet.accounts import Account
from guichet.bus import InMemoryBus
from guichet.casefile.attempts import CallbackAttempts, failed_callback_sms_key
from guichet.casefile.callbacks import CallbackBook
from guichet.click_to_call import CallbackDial, ClickToCallUnavailable
from guichet.events import CallbackAttempted, CallbackDialing, Event
from guichet.privacy import audit_trail
from guichet.settings import Settings
from guichet.store import Store
from guichet.store.models import Callback, CallbackAttempt, SmsOutboxRow
from tests.support.seeds import seed_callback
from tests.web.login import add_account, log_in

PASSWORD = "experts password 1"


class RecordingClickToCall:
    """The call side as a test double: records what it was asked to dial."""

    def __init__(self, fail: bool = False) -> None:
        self.dials: list[CallbackDial] = []
        self.fail = fail

    async def ring_then_dial(self, dial: CallbackDial) -> str:
        if self.fail:
            raise ClickToCallUnavailable("phone not registered")
        self.dials.append(dial)
        return f"ctc-{len(self.dials)}"


@pytest.fixture
def app(store: Store) -> Iterator[tuple[AppState, dict[str, Account], list[Event]]]:
    settings = Settings(callback_max_attempts=2)
    bus = InMemoryBus()
    seen: list[Event] = []
    original = bus.publish

    def recording(event: Event) -> None:
        seen.append(event)
        original(event)

    bus.publish = recording  # type: ignore[method-assign]
    state = AppState(
        store,
        {},
        bus=bus,
        settings=settings,
        click_to_call=RecordingClickToCall(),
        # always open: a no-answer's next attempt is due within the next hour
        callback_attempts=CallbackAttempts.from_settings(
            store,
            settings,
            CallbackBook(
                store,
                tz=ZoneInfo("UTC"),
                open_slots=lambda after: iter([(after, after + timedelta(days=30))]),
            ),
        ),
    )
    made = {
        "zoe": add_account(
            store, "zoe", "expert", services=("etat-civil",), password=PASSWORD
        ).account,
        "ugo": add_account(
            store, "ugo", "expert", services=("urbanisme",), password=PASSWORD
        ).account,
        "alice": add_account(store, "alice", "agent", password=PASSWORD).account,
        "sam": add_account(store, "sam", "supervisor", password=PASSWORD).account,
    }
    yield state, made, seen


def client_for(state: AppState, account: Account) -> tuple[TestClient, dict[str, str]]:
    client = TestClient(create_app(state))
    return client, {CSRF_HEADER: log_in(client, account.username, PASSWORD)}


def test_the_list_holds_the_experts_services_only_and_is_audited(
    store: Store, app: tuple[AppState, dict[str, Account], list[Event]]
) -> None:
    state, made, _ = app
    civil = seed_callback(store, "etat-civil", "+33612345678", due_in_h=-1)  # overdue
    later = seed_callback(store, "etat-civil", "+33612345679", due_in_h=3)
    urba = seed_callback(store, "urbanisme", "+33698765432")
    zoe, _ = client_for(state, made["zoe"])
    listed = zoe.get("/api/callbacks").json()["callbacks"]
    assert [c["id"] for c in listed] == [civil, later]  # due and overdue first
    assert listed[0]["overdue"] and not listed[1]["overdue"]
    assert listed[0]["summary"] == "Demande pour etat-civil" and listed[0]["attempts"] == 0
    assert "45 67" not in listed[0]["number"] and listed[0]["number"].endswith("78")
    trail = audit_trail(store, object=f"case:{listed[0]['case_id']}")
    assert [(a.actor, a.action) for a in trail] == [("web:zoe", "case.read")]
    ugo, _ = client_for(state, made["ugo"])
    assert [c["id"] for c in ugo.get("/api/callbacks").json()["callbacks"]] == [urba]
    sam, _ = client_for(state, made["sam"])
    assert {c["id"] for c in sam.get("/api/callbacks").json()["callbacks"]} == {civil, later, urba}
    alice, _ = client_for(state, made["alice"])
    assert alice.get("/api/callbacks").status_code == 403
    assert alice.get("/experts").status_code == 403
    page = zoe.get("/experts?lang=en")
    assert page.status_code == 200 and "Callbacks to make" in page.text
    assert "Rappels à faire" in zoe.get("/experts").text  # French by default
    assert zoe.get("/experts/assets/phone.js").status_code == 200  # the desk's phone
    assert zoe.get("/experts/assets/..%2Fdesk%2Fphone.js").status_code == 404


def test_click_to_call_dials_the_stored_number_whatever_the_request_says(
    store: Store, app: tuple[AppState, dict[str, Account], list[Event]]
) -> None:
    state, made, seen = app
    recorder = state.click_to_call
    assert isinstance(recorder, RecordingClickToCall)
    mine = seed_callback(store, "etat-civil", "+33612345678")
    theirs = seed_callback(store, "urbanisme", "+33698765432")
    zoe, csrf = client_for(state, made["zoe"])
    # a forged body: another number, another endpoint; none of it is read
    forged = {"number": "+33899123456", "account": "sam", "callback_id": theirs}
    reply = zoe.post(f"/api/callbacks/{mine}/call", json=forged, headers=csrf)
    assert reply.status_code == 200, reply.text
    assert recorder.dials == [
        CallbackDial(
            account="zoe",
            number="+33612345678",
            callback_id=mine,
            reference=reply.json()["reference"],
        )
    ]
    # another service's callback: refused, nothing dialled; an unknown one alike
    assert zoe.post(f"/api/callbacks/{theirs}/call", headers=csrf).status_code == 403
    assert zoe.post("/api/callbacks/no-such/call", headers=csrf).status_code == 403
    alice, alice_csrf = client_for(state, made["alice"])
    assert alice.post(f"/api/callbacks/{mine}/call", headers=alice_csrf).status_code == 403
    # a second click while the first call is on: 409, nothing dialled
    assert zoe.post(f"/api/callbacks/{mine}/call", headers=csrf).status_code == 409
    assert len(recorder.dials) == 1
    dialing = [e for e in seen if isinstance(e, CallbackDialing)]
    assert [(e.callback_id, e.account, e.channel_id) for e in dialing] == [(mine, "zoe", "ctc-1")]
    assert "+336" not in str(dialing[0].to_json())  # events carry no number


def test_a_number_the_rules_no_longer_take_is_not_dialled(
    store: Store, app: tuple[AppState, dict[str, Account], list[Event]]
) -> None:
    state, made, _ = app
    recorder = state.click_to_call
    assert isinstance(recorder, RecordingClickToCall)
    foreign = seed_callback(store, "etat-civil", "+32470123456")  # international: not allowed
    zoe, csrf = client_for(state, made["zoe"])
    reply = zoe.post(f"/api/callbacks/{foreign}/call", headers=csrf)
    assert reply.status_code == 422
    assert recorder.dials == []


def test_outcomes_schedule_then_give_up_with_an_sms(
    store: Store, app: tuple[AppState, dict[str, Account], list[Event]]
) -> None:
    state, made, seen = app
    mine = seed_callback(store, "etat-civil", "+33612345678")
    zoe, csrf = client_for(state, made["zoe"])
    assert zoe.post(f"/api/callbacks/{mine}/call", headers=csrf).status_code == 200
    first = zoe.post(f"/api/callbacks/{mine}/outcome", json={"outcome": "no_answer"}, headers=csrf)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["status"] == "pending" and not body["given_up"] and body["next_due_by"]
    assert zoe.post(f"/api/callbacks/{mine}/call", headers=csrf).status_code == 200
    last = zoe.post(f"/api/callbacks/{mine}/outcome", json={"outcome": "no_answer"}, headers=csrf)
    assert last.json()["given_up"] and last.json()["sms_queued"]
    with store.session() as session:
        sms = session.scalars(
            select(SmsOutboxRow).where(
                SmsOutboxRow.idempotency_key == failed_callback_sms_key(mine)
            )
        ).one()
        assert sms.to_number == "+33612345678"
        attempts = session.scalars(select(CallbackAttempt.channel_id)).all()
        assert sorted(a or "" for a in attempts) == ["ctc-1", "ctc-2"]
    # done with: no more calls, no more outcomes
    assert zoe.post(f"/api/callbacks/{mine}/call", headers=csrf).status_code == 409
    again = zoe.post(f"/api/callbacks/{mine}/outcome", json={"outcome": "no_answer"}, headers=csrf)
    assert again.status_code == 409
    outcomes = [(e.outcome, e.given_up) for e in seen if isinstance(e, CallbackAttempted)]
    assert outcomes == [("no_answer", False), ("no_answer", True)]
    bad = zoe.post(f"/api/callbacks/{mine}/outcome", json={"outcome": "maybe"}, headers=csrf)
    assert bad.status_code == 422
    ugo, ugo_csrf = client_for(state, made["ugo"])
    other = seed_callback(store, "etat-civil", "+33612345670")
    refused = ugo.post(
        f"/api/callbacks/{other}/outcome", json={"outcome": "reached_solved"}, headers=ugo_csrf
    )
    assert refused.status_code == 403


def test_a_call_not_placed_leaves_the_callback_as_it_was(
    store: Store, app: tuple[AppState, dict[str, Account], list[Event]]
) -> None:
    state, made, _ = app
    state.click_to_call = RecordingClickToCall(fail=True)
    mine = seed_callback(store, "etat-civil", "+33612345678")
    zoe, csrf = client_for(state, made["zoe"])
    assert zoe.post(f"/api/callbacks/{mine}/call", headers=csrf).status_code == 502
    with store.session() as session:
        row = session.get(Callback, mine)
        assert row is not None and row.status == "pending"
        assert session.scalars(select(CallbackAttempt)).all() == []
