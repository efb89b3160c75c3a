"""The KPI routes on the real web app and a real store (SQLite and PostgreSQL),
seeded with the hand-made store of ``tests/kpis/seed.py``: the page (French and
English, definitions next to the figures, SVG charts and nothing fetched from
elsewhere), every table as CSV, the JSON API, and the refused parameters."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

from agent_softphone.app import AppState, create_app
from guichet.kpis import TABLES
from guichet.settings import Settings
from guichet.store import Store
from tests.kpis.seed import seed_store
from tests.web.login import add_account, log_in

PASSWORD = "kpi password 12"
# the seed's two days, and its February baseline
PERIOD = {"grain": "day", "from": "2026-03-02", "to": "2026-03-03"}
WITH_BASELINE = {**PERIOD, "baseline_from": "2026-02-02", "baseline_to": "2026-02-03"}


@pytest.fixture
def store(store: Store) -> Store:
    seed_store(store)
    return store


def _client(store: Store, role: str = "supervisor", **settings: object) -> TestClient:
    queues = ["reception", "etat-civil", "urbanisme", "social"]
    app = create_app(AppState(store, settings=Settings(queues=queues, **settings)))
    client = TestClient(app)
    services = ["etat-civil"] if role == "expert" else []
    add_account(store, f"{role}1", role, display_name="Sam", password=PASSWORD, services=services)
    log_in(client, f"{role}1", PASSWORD)
    return client


def _csv(client: TestClient, table: str, params: dict[str, str]) -> list[dict[str, str]]:
    reply = client.get(f"/api/kpis/{table}.csv", params=params)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/csv")
    assert "attachment" in reply.headers["content-disposition"]
    text = reply.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_of_every_table(store: Store) -> None:
    client = _client(store)
    for table, columns in TABLES.items():
        rows = _csv(client, table, WITH_BASELINE)
        assert rows, table
        assert list(rows[0]) == list(columns), table
    summary = {r["channel"]: r for r in _csv(client, "summary", PERIOD)}
    # worked out in tests/kpis/test_kpis.py: 5 of the 9 cases not abandoned resolved at
    # first level; reception waits 20, 40, 10, 30 s
    assert summary["all"]["first_level_rate"] == "0.5556"
    assert summary["all"]["requests"] == "11"
    assert summary["reception"]["avg_wait_s"] == "25.0"
    assert summary["all"]["containment_rate"] == ""  # does not apply
    days = [r for r in _csv(client, "channels", PERIOD) if r["channel"] == "voicebot"]
    assert [(r["bucket"], r["requests"]) for r in days] == [
        ("2026-03-02", "4"),
        ("2026-03-03", "2"),
    ]
    baseline = {r["span"]: r for r in _csv(client, "baseline", WITH_BASELINE)}
    assert baseline["baseline"]["transfer_rate"] == "0.5"
    assert baseline["current"]["change"] == "-0.6364"
    questions = _csv(client, "abstained", PERIOD)
    assert questions[0]["question"] == "je voudrais inscrire mon chien à la fourrière"
    assert questions[0]["times"] == "2"
    assert client.get("/api/kpis/nothing.csv", params=PERIOD).status_code == 404


def test_json_and_the_baseline_setting(store: Store) -> None:
    client = _client(store, kpi_baseline_from=date(2026, 2, 2), kpi_baseline_to=date(2026, 2, 3))
    body = client.get("/api/kpis", params={**PERIOD, "grain": "week"}).json()
    assert body["period"]["buckets"] == ["2026-W10"]
    assert body["baseline"] == {"from": "2026-02-02", "to": "2026-02-03"}  # from the settings
    rows = body["tables"]["channels"]["rows"]
    reception = next(r for r in rows if r["channel"] == "reception")
    assert reception["requests"] == 5 and reception["avg_handle_s"] == 150.0


def test_page_french_then_english(store: Store) -> None:
    client = _client(store)
    reply = client.get("/kpis", params=WITH_BASELINE)
    assert reply.status_code == 200
    page = reply.text
    assert '<html lang="fr">' in page
    assert "Taux de résolution au premier niveau" in page
    # each figure's definition is on the page, tied to its column
    assert "dossiers ouverts non abandonnés" in page
    assert 'aria-describedby="t-summary-d-first_level_rate"' in page
    assert 'id="t-summary-d-first_level_rate"' in page
    # figures in French: 55,6 % (5 of 9), 25,0 s
    assert "55,6\u202f%" in page and "25,0\u202fs" in page
    # five charts, drawn here: no script, nothing from another origin
    assert page.count("<svg viewBox=") == 5
    assert 'role="img"' in page
    assert "<script" not in page
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    assert "référence 50,0\u202f%" in page  # the baseline line on the transfers chart
    # every table has its CSV link, carrying the period asked
    for table in TABLES:
        assert f"/api/kpis/{table}.csv?grain=day&amp;from=2026-03-02" in page, table
    assert client.get("/kpis/assets/kpis.css").status_code == 200
    assert client.get("/kpis/assets/..%2Fdesk%2Fdesk.js").status_code == 404
    english = client.get("/kpis", params={**PERIOD, "lang": "en"}).text
    assert '<html lang="en">' in english
    assert "First-level resolution rate" in english and "55.6\u202f%" in english
    assert "No baseline period chosen" in english


def test_the_default_period_and_refusals(store: Store) -> None:
    client = _client(store, role="admin")
    body = client.get("/api/kpis", params={"grain": "month"}).json()
    assert len(body["period"]["buckets"]) == 12  # the last 12 months, to today
    assert client.get("/api/kpis", params={"from": "2026-03-02"}).status_code == 422
    bad_order = {"from": "2026-03-03", "to": "2026-03-02"}
    assert client.get("/api/kpis", params=bad_order).status_code == 422
    too_long = {"from": "2020-01-01", "to": "2026-01-01"}
    assert client.get("/api/kpis", params=too_long).status_code == 422
    assert client.get("/api/kpis", params={"grain": "year"}).status_code == 422


def test_agents_and_experts_are_refused(store: Store) -> None:
    for role in ("agent", "expert"):
        client = _client(store, role=role)
        assert client.get("/kpis").status_code == 403
        assert client.get("/api/kpis/summary.csv").status_code == 403
