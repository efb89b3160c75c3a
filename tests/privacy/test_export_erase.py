"""A citizen's export and erasure by phone number, round trip (SQLite and
PostgreSQL): the export shows all that is held about the number and nothing about
anyone else; after the erasure the store holds nothing that names the number, and
everyone else's data is untouched."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from guichet.errors import StoreError
from guichet.privacy import (
    AuditAction,
    PrivacyError,
    RetentionPolicy,
    audit,
    case_object,
    erase_number,
    export_number,
)
from guichet.privacy.audit import audit_trail
from guichet.store import Store
from guichet.store.models import Callback, Case, CaseTurn
from tests.privacy.seed import add_call, add_callback, add_case, add_sms, everything

AT = datetime.now(UTC) - timedelta(days=2)
ALICE = "+33612345678"  # the citizen who asks
BOB = "+33698765432"  # someone else
POLICY = RetentionPolicy(
    transcripts=timedelta(days=90),
    sms=timedelta(days=30),
    numbers=timedelta(days=30),
    audit=timedelta(days=365),
)


def seed(store: Store) -> dict[str, str]:
    ids: dict[str, str] = {}
    # Alice called (caller ID in the national form), asked, and booked a callback
    ids["alice_call"] = add_call(store, caller="0612345678", started=AT, ended=AT)
    ids["alice_case"] = add_case(
        store,
        number=ALICE,
        updated=AT,
        call_id=ids["alice_call"],
        words=("Je voudrais un acte de naissance pour ma fille Léa",),
        summary="Mme Martin demande un acte de naissance.",
        outcome="callback",
    )
    ids["alice_cb"] = add_callback(store, ids["alice_case"], number=ALICE, requested=AT)
    ids["alice_sms"] = add_sms(store, to=ALICE, body="Mairie : rappel CB-1 avant 17h", created=AT)
    # …and called again from the office, the trunk sending 33… (no case: hung up early)
    ids["alice_call2"] = add_call(store, caller="33612345678", started=AT, ended=AT)
    # from Bob's phone, a callback to Alice's number
    ids["lent_case"] = add_case(
        store, number=BOB, updated=AT, words=("Rappelez ma femme au 06 12 34 56 78",)
    )
    ids["lent_cb"] = add_callback(store, ids["lent_case"], number=ALICE, requested=AT)
    # Bob's own business
    ids["bob_call"] = add_call(store, caller="0698765432", started=AT, ended=AT)
    ids["bob_case"] = add_case(
        store, number=BOB, updated=AT, call_id=ids["bob_call"], words=("Permis de construire",)
    )
    ids["bob_cb"] = add_callback(store, ids["bob_case"], number=BOB, requested=AT)
    ids["bob_sms"] = add_sms(store, to=BOB, body="Mairie : rappel CB-2", created=AT)
    return ids


def test_export_shows_everything_about_the_number_and_nothing_else(store: Store) -> None:
    ids = seed(store)
    audit(store, "web:agent1", AuditAction.CASE_READ, case_object(ids["alice_case"]))

    data = export_number(store, "06 12 34 56 78", actor="cli:dpo", policy=POLICY)

    json.dumps(data)  # JSON as it is
    assert data["number"] == ALICE
    cases = {c["id"]: c for c in data["cases"]}
    assert set(cases) == {ids["alice_case"], ids["lent_case"]}
    mine = cases[ids["alice_case"]]
    assert mine["caller_number"] == ALICE
    assert [t["text"] for t in mine["transcript"]] == [
        "Je voudrais un acte de naissance pour ma fille Léa"
    ]
    assert mine["summary"] == "Mme Martin demande un acte de naissance."
    assert [c["number"] for c in mine["callbacks"]] == [ALICE]
    # the case opened from Bob's phone: Bob's number is not Alice's to read
    lent = cases[ids["lent_case"]]
    assert lent["caller_number"] == "other" and [c["number"] for c in lent["callbacks"]] == [ALICE]
    assert {c["id"] for c in data["calls"]} == {ids["alice_call"], ids["alice_call2"]}
    assert {c["caller"] for c in data["calls"]} == {"0612345678", "33612345678"}
    assert [s["id"] for s in data["sms"]] == [ids["alice_sms"]]
    assert [s["body"] for s in data["sms"]] == ["Mairie : rappel CB-1 avant 17h"]
    # when her case was read, not by whom
    assert [(a["action"], a["object"]) for a in data["accesses"]] == [
        ("case.read", case_object(ids["alice_case"]))
    ]
    assert "agent1" not in json.dumps(data)
    assert data["retention_days"]["transcripts_and_summaries"] == 90
    text = json.dumps(data, ensure_ascii=False)
    assert BOB not in text and "0698765432" not in text and "Permis" not in text


def test_erase_then_export_finds_nothing_and_others_keep_theirs(store: Store) -> None:
    ids = seed(store)

    erased = erase_number(store, "0612345678", actor="cli:dpo")

    assert (erased.cases, erased.callbacks, erased.sms, erased.calls) == (2, 2, 1, 2)
    assert erased.turns == 2
    again = export_number(store, ALICE, actor="cli:dpo")
    assert (again["cases"], again["calls"], again["sms"], again["accesses"]) == ([], [], [], [])
    # nothing anywhere in the store names her any more, in any form
    held = everything(store)
    for trace in ("612345678", "12 34 56 78", "Léa", "Martin", "ma femme"):
        assert trace not in held, trace
    # her cases still count in the statistics, emptied
    with store.session() as session:
        kept = session.get(Case, ids["alice_case"])
        assert kept is not None and kept.outcome == "callback" and kept.summary is None
        assert kept.topic_card_id == "horaires-mairie"
        bob_turns = session.scalars(
            sa.select(CaseTurn.text).where(CaseTurn.case_id == ids["bob_case"])
        ).all()
        bob_callbacks = session.scalars(sa.select(Callback.number)).all()
        lent = session.get(Case, ids["lent_case"])
        assert lent is not None and lent.caller_number == BOB  # Bob's, not hers to erase
    assert bob_turns == ["Permis de construire"] and bob_callbacks == [BOB]
    bob = export_number(store, BOB, actor="cli:dpo")
    assert [s["id"] for s in bob["sms"]] == [ids["bob_sms"]]
    assert {c["id"] for c in bob["calls"]} == {ids["bob_call"]}


def test_requests_are_audited_without_the_number(store: Store) -> None:
    seed(store)
    export_number(store, ALICE, actor="cli:dpo")
    erase_number(store, ALICE, actor="cli:dpo")

    rows = audit_trail(store)
    assert [(r.actor, r.action) for r in rows] == [
        ("cli:dpo", AuditAction.ERASE.value),
        ("cli:dpo", AuditAction.EXPORT.value),
    ]
    assert all(r.object == "number:+336…78" for r in rows)


def test_a_number_nobody_called_from(store: Store) -> None:
    seed(store)
    data = export_number(store, "07 00 00 00 01", actor="cli:dpo")
    assert (data["cases"], data["calls"], data["sms"]) == ([], [], [])
    assert erase_number(store, "0700000001", actor="cli:dpo").nothing


@pytest.mark.parametrize("raw", ["", "12", "06 12 AB"])
def test_what_is_not_a_number_is_refused(store: Store, raw: str) -> None:
    with pytest.raises(PrivacyError, match="not a phone number"):
        export_number(store, raw, actor="cli:dpo")
    with pytest.raises(PrivacyError, match="not a phone number"):
        erase_number(store, raw, actor="cli:dpo")
    assert audit_trail(store) == []  # refused: nothing happened, nothing to audit


def test_a_failed_erasure_leaves_everything_and_says_so(store: Store) -> None:
    ids = seed(store)
    with store.session() as session:  # the audit row cannot be written: the table is gone
        session.execute(sa.text("DROP TABLE audit_log"))
    with pytest.raises(StoreError, match="erasure failed"):
        erase_number(store, ALICE, actor="cli:dpo")
    # one transaction: no erasure without its audit row
    with store.session() as session:
        case = session.get(Case, ids["alice_case"])
        assert case is not None and case.caller_number == ALICE
