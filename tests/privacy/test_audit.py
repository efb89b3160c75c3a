"""The audit API every part calls: ``audit(store, actor, action, object)``."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from guichet.errors import StoreError
from guichet.privacy import (
    AuditAction,
    PrivacyError,
    audit,
    audit_in,
    audit_trail,
    case_object,
    number_object,
)
from guichet.store import Store


def test_a_case_read_is_recorded_with_who_what_and_when(store: Store) -> None:
    first = audit(store, "web:agent1", AuditAction.CASE_READ, case_object("k1"))
    second = audit(store, "web:expert2", "case.read", case_object("k2"))

    rows = audit_trail(store)
    assert [(r.actor, r.action, r.object) for r in rows] == [
        ("web:expert2", "case.read", "case:k2"),
        ("web:agent1", "case.read", "case:k1"),
    ]
    assert rows[1].at == first.at and rows[1].at.tzinfo is not None
    assert second.at >= first.at
    assert [r.actor for r in audit_trail(store, object="case:k1")] == ["web:agent1"]


def test_a_number_is_never_kept_whole(store: Store) -> None:
    audit(store, "cli:dpo", AuditAction.EXPORT, number_object("+33612345678"))
    (row,) = audit_trail(store)
    assert "612345678" not in row.object and row.object.startswith("number:+33")


@pytest.mark.parametrize(
    ("actor", "action", "obj", "why"),
    [
        ("", "case.read", "case:k1", "actor is empty"),
        ("web:agent1", "  ", "case:k1", "action is empty"),
        ("web:agent1", "case.read", "case:" + "k" * 200, "object is longer than 128"),
        ("w" * 65, "case.read", "case:k1", "actor is longer than 64"),
    ],
)
def test_what_would_not_fit_is_refused_not_cut(
    store: Store, actor: str, action: str, obj: str, why: str
) -> None:
    with pytest.raises(PrivacyError, match=why):
        audit(store, actor, action, obj)
    assert audit_trail(store) == []


def test_an_audit_row_commits_or_rolls_back_with_what_it_records(store: Store) -> None:
    with pytest.raises(RuntimeError), store.session() as session:
        audit_in(session, "web:agent1", AuditAction.CASE_READ, case_object("k1"))
        raise RuntimeError("the read failed: not shown, so not audited")
    assert audit_trail(store) == []


def test_a_store_that_fails_says_so(store: Store) -> None:
    with store.session() as session:
        session.execute(sa.text("DROP TABLE audit_log"))
    with pytest.raises(StoreError, match="audit row not written"):
        audit(store, "web:agent1", AuditAction.CASE_READ, case_object("k1"))
