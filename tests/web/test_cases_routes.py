"""The case routes on the real web app and a real store (SQLite and PostgreSQL): the
per-object rules of the cases section of the grid, the audit of every read, the
case pop's fields, and the wrap-ups: idempotent, with a wrap-up code, the escalation
through the call side (a recording DeskControl here; the real one moves a real call
in tests/integration/test_desk_escalation.py)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from agent_softphone.app import AppState, create_app
from agent_softphone.auth import CSRF_HEADER
from guichet.accounts import Account
from guichet.bus import InMemoryBus
from guichet.casefile.repository import CaseRepository
from guichet.errors import GuichetError
from guichet.events import CallEscalated, CaseWrappedUp, Event
from guichet.privacy import audit_trail
from guichet.store import Store
from guichet.store.models import Callback, Case
from tests.web.access_rules import RULES, Rule
from tests.web.test_access_grid import PASSWORD, seeded, walk

CASE_PATHS = ("/api/cases/", "/api/calls/{call_id}/case")


class RecordingDesk:
    """The call side as a test double: records escalations, or fails like a call
    that is gone."""

    def __init__(self, fail: bool = False) -> None:
        self.escalations: list[tuple[str, str, str]] = []
        self.fail = fail

    async def set_agent_state(
        self, account: str, queues: Sequence[str], state: str, reason: str = ""
    ) -> None:
        return None

    async def escalate(self, call_id: str, queue: str, case_id: str) -> None:
        if self.fail:
            raise GuichetError("channel gone")
        self.escalations.append((call_id, queue, case_id))


def case_rules() -> list[Rule]:
    return [r for r in RULES if r.path.startswith(CASE_PATHS)]


def test_the_case_rules_of_the_grid_hold(store: Store) -> None:
    rules = case_rules()
    assert len(rules) == 7
    wrong = walk(store, rules)
    assert not wrong, "\n".join(wrong)


@pytest.fixture
def desk_app(store: Store) -> Iterator[tuple[AppState, dict[str, Account], dict[str, str]]]:
    state = AppState(store, {}, bus=InMemoryBus(), desk=RecordingDesk())
    made, samples = seeded(store)
    yield state, made, samples


def client_for(state: AppState, account: Account) -> tuple[TestClient, dict[str, str]]:
    from tests.web.login import log_in  # noqa: PLC0415

    client = TestClient(create_app(state))
    csrf = log_in(client, account.username, PASSWORD)
    return client, {CSRF_HEADER: csrf}


async def test_reads_are_audited_and_the_case_is_whole(
    store: Store, desk_app: tuple[AppState, dict[str, Account], dict[str, str]]
) -> None:
    state, made, samples = desk_app
    case_id, call_id = samples["d5_case"], samples["d5_call"]
    await CaseRepository(store).add_turn(case_id, "caller", "Un acte de naissance, s'il vous plaît")
    client, _ = client_for(state, made["agent_a"])
    whole = client.get(f"/api/cases/{case_id}").json()
    assert whole["case"]["id"] == case_id and whole["case"]["service"] == "etat-civil"
    assert whole["turns"][0]["text"] == "Un acte de naissance, s'il vous plaît"
    assert client.get(f"/api/calls/{call_id}/case").json()["case"]["id"] == case_id
    assert client.get("/api/cases/no-such-case").status_code == 403  # no existence oracle
    other, _ = client_for(state, made["agent_b"])
    assert other.get(f"/api/cases/{case_id}").status_code == 403
    reads = [(a.actor, a.action, a.object) for a in audit_trail(store, object=f"case:{case_id}")]
    assert reads == [("web:agent.a", "case.read", f"case:{case_id}")] * 2  # agent B: none


def test_escalation_moves_the_call_once_and_records_it(
    store: Store, desk_app: tuple[AppState, dict[str, Account], dict[str, str]]
) -> None:
    state, made, samples = desk_app
    assert state.bus is not None and isinstance(state.desk, RecordingDesk)
    case_id, call_id = samples["d5_case"], samples["d5_call"]
    client, csrf = client_for(state, made["agent_a"])
    seen: list[Event] = []
    original = state.bus.publish

    def recording(event: Event) -> None:
        seen.append(event)
        original(event)

    state.bus.publish = recording  # type: ignore[method-assign]
    draft = client.get(f"/api/cases/{case_id}/summary-draft").json()
    assert draft["source"] == "template" and "Objet" in draft["text"]
    body = {"service": "etat-civil", "summary": draft["text"] + "\nNé à Lyon.", "code": "expert"}
    first = client.post(f"/api/cases/{case_id}/escalate", json=body, headers=csrf)
    again = client.post(f"/api/cases/{case_id}/escalate", json=body, headers=csrf)
    assert first.status_code == 200 and again.status_code == 200, (first.text, again.text)
    assert not first.json()["repeated"] and again.json()["repeated"]
    assert state.desk.escalations == [(call_id, "etat-civil", case_id)]
    desk = first.json()["desk"]
    assert desk["escalated_to"] == "etat-civil" and desk["code"] == "expert"
    assert desk["first_level"] is False and desk["action"] == "escalated"
    with store.session() as session:
        case = session.get(Case, case_id)
        assert case is not None and case.summary == body["summary"]
        assert case.outcome == "escalated"
    wrapped = [e for e in seen if isinstance(e, CaseWrappedUp)]
    assert [(e.agent, e.action, e.target) for e in wrapped] == [
        ("agent.a", "escalated", "etat-civil")
    ]
    assert [e.queue for e in seen if isinstance(e, CallEscalated)] == ["etat-civil"]
    # a service nobody serves, a missing CSRF token
    bad = client.post(f"/api/cases/{case_id}/escalate", json={"service": "nowhere"}, headers=csrf)
    assert bad.status_code == 422
    assert client.post(f"/api/cases/{case_id}/escalate", json=body).status_code == 403


def test_a_call_that_cannot_move_is_not_recorded_as_escalated(
    store: Store, desk_app: tuple[AppState, dict[str, Account], dict[str, str]]
) -> None:
    state, made, samples = desk_app
    state.desk = RecordingDesk(fail=True)
    client, csrf = client_for(state, made["agent_a"])
    reply = client.post(
        f"/api/cases/{samples['d5_case']}/escalate",
        json={"service": "etat-civil"},
        headers=csrf,
    )
    assert reply.status_code == 409
    with store.session() as session:
        case = session.get(Case, samples["d5_case"])
        assert case is not None and case.wrapup_action is None and case.outcome == "open"


def test_callback_double_click_books_one(
    store: Store, desk_app: tuple[AppState, dict[str, Account], dict[str, str]]
) -> None:
    state, made, samples = desk_app
    client, csrf = client_for(state, made["agent_a"])
    due = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    body = {"number": "06 12 34 56 78", "service": "etat-civil", "due": due, "code": "rappel"}
    path = f"/api/cases/{samples['d5_case']}/callback"
    first = client.post(path, json=body, headers=csrf).json()
    second = client.post(path, json=body, headers=csrf).json()
    assert first["callback"]["reference"] == second["callback"]["reference"]
    assert first["callback"]["sms_queued"] and second["repeated"]
    assert first["desk"]["action"] == "callback" and first["outcome"] == "callback"
    with store.session() as session:
        # this case's callbacks: the grid's seeds (SEEDS) book others (E1's section)
        booked = select(func.count()).where(Callback.case_id == samples["d5_case"])
        assert session.scalar(booked) == 1
    refused = client.post(path, json={**body, "number": "3615"}, headers=csrf)
    assert refused.status_code == 422 and refused.json()["detail"]["error"] == "invalid_number"


def test_first_level_takes_the_action_name_as_default_code(
    store: Store, desk_app: tuple[AppState, dict[str, Account], dict[str, str]]
) -> None:
    state, made, samples = desk_app
    client, csrf = client_for(state, made["agent_a"])
    reply = client.post(
        f"/api/cases/{samples['d5_case']}/first-level",
        json={"card_id": "acte-naissance"},
        headers=csrf,
    ).json()
    assert reply["desk"]["code"] == "first_level" and reply["desk"]["first_level"] is True
    assert reply["desk"]["card_used"] == "acte-naissance"
    assert reply["outcome"] == "answered_by_reception"
