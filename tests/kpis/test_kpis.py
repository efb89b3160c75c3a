"""Every KPI on the hand-made store of ``seed.py``, on SQLite and PostgreSQL. The
expected figures are worked out by hand, below each table, from the rows seeded;
none was read off the code's output."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import pytest

from guichet.kpis import (
    Grain,
    KpiCache,
    KpiOptions,
    KpiReport,
    Period,
    compute_kpis,
    table_csv,
)
from guichet.kpis.period import default_period
from guichet.kpis.report import normalise_question
from guichet.store import Store
from guichet.store.models import Case
from tests.kpis.seed import BASELINE, DAY1, DAY2, NOW, RECEPTION, at, seed_store

SERVICES = ("etat-civil", "urbanisme", "social")


@pytest.fixture
def store(store: Store) -> Store:
    seed_store(store)
    return store


def _report(store: Store, grain: Grain = Grain.DAY, baseline: bool = True) -> KpiReport:
    options = KpiOptions(
        reception_queue=RECEPTION,
        now=NOW,
        baseline=BASELINE if baseline else None,
        services=SERVICES,
    )
    return compute_kpis(store, Period(DAY1, DAY2, grain), options)


def _row(report: KpiReport, table: str, **keys: str) -> dict[str, object]:
    found = [r for r in report.tables[table].rows if all(r[k] == v for k, v in keys.items())]
    assert len(found) == 1, (table, keys, found)
    return dict(found[0])


def _check(row: Mapping[str, object], expected: Mapping[str, object]) -> None:
    for key, want in expected.items():
        got = row[key]
        if isinstance(want, float):
            assert got == pytest.approx(want, abs=1e-4), (key, got, want)
        else:
            assert got == want, (key, got, want)


def test_channels_per_day(store: Store) -> None:
    report = _report(store)
    assert report.period.buckets() == ["2026-03-02", "2026-03-03"]
    d1, d2 = DAY1.isoformat(), DAY2.isoformat()
    # Monday: cases k1 (00:30 Paris, 23:30 UTC the day before) .. k6 = 6; abandoned
    # k3, k6; the bot answered k1; reception first level k4. Resolved 2 of the 4 not
    # abandoned. Transfers: c2 to etat-civil, c5 to urbanisme = 2 of 6 cases.
    _check(
        _row(report, "channels", bucket=d1, channel="all"),
        {
            "requests": 6,
            "first_level": 2,
            "first_level_rate": 0.5,
            "transfers": 2,
            "transfer_rate": 2 / 6,
            "abandoned": 2,
            "abandonment_rate": 2 / 6,
            "containment_rate": None,
            "avg_wait_s": None,
        },
    )
    # the bot took c1..c4: c1 contained, c3 abandoned, c2 to a service (c4 went to
    # reception, not a service); bot time 60 + 120 + 10 + 90 = 280 s over 4
    _check(
        _row(report, "channels", bucket=d1, channel="voicebot"),
        {
            "requests": 4,
            "answered": 1,
            "first_level": 1,
            "first_level_rate": 0.25,
            "containment_rate": 0.25,
            "transfers": 1,
            "transfer_rate": 0.25,
            "abandoned": 1,
            "abandonment_rate": 0.25,
            "avg_handle_s": 70.0,
            "avg_wait_s": None,
        },
    )
    # reception: joins c4, c5, c6; answered c4 (20 s wait, 100 s talk) and c5 (40 s,
    # 300 s); c6 abandoned. Wrapped up at reception: k4 (first level), k5 (escalated)
    _check(
        _row(report, "channels", bucket=d1, channel="reception"),
        {
            "requests": 3,
            "answered": 2,
            "abandoned": 1,
            "abandonment_rate": 1 / 3,
            "avg_wait_s": 30.0,
            "avg_handle_s": 200.0,
            "first_level": 1,
            "first_level_rate": 0.5,
            "transfers": 1,
            "transfer_rate": 0.5,
            "containment_rate": None,
        },
    )
    # experts: c2 joins etat-civil (30 s wait, 200 s talk), c5 joins urbanisme and
    # abandons after 15 s
    _check(
        _row(report, "channels", bucket=d1, channel="experts"),
        {
            "requests": 2,
            "answered": 1,
            "abandoned": 1,
            "abandonment_rate": 0.5,
            "avg_wait_s": 30.0,
            "avg_handle_s": 200.0,
            "first_level": None,
            "transfers": None,
        },
    )
    # Tuesday: k7, k8, k9, k10 and the chat k11 = 5 (k12 is Wednesday 00:30 Paris);
    # resolved: the bot k7 and k11, reception k9 = 3 of 5; no transfer
    _check(
        _row(report, "channels", bucket=d2, channel="all"),
        {
            "requests": 5,
            "first_level": 3,
            "first_level_rate": 0.6,
            "transfers": 0,
            "transfer_rate": 0.0,
            "abandoned": 0,
            "abandonment_rate": 0.0,
        },
    )
    # bot: c7 contained (30 s), c8 booked a callback (40 s)
    _check(
        _row(report, "channels", bucket=d2, channel="voicebot"),
        {
            "requests": 2,
            "answered": 1,
            "containment_rate": 0.5,
            "transfers": 0,
            "abandoned": 0,
            "avg_handle_s": 35.0,
        },
    )
    # reception: c9 (10 s, 50 s) and c10 (30 s, 150 s); only k9 wrapped up, first level
    _check(
        _row(report, "channels", bucket=d2, channel="reception"),
        {
            "requests": 2,
            "answered": 2,
            "abandoned": 0,
            "abandonment_rate": 0.0,
            "avg_wait_s": 20.0,
            "avg_handle_s": 100.0,
            "first_level": 1,
            "first_level_rate": 1.0,
            "transfers": 0,
            "transfer_rate": 0.0,
        },
    )
    # no expert call on Tuesday (c12's join is Wednesday in Paris): nothing to average
    _check(
        _row(report, "channels", bucket=d2, channel="experts"),
        {
            "requests": 0,
            "answered": 0,
            "abandonment_rate": None,
            "avg_wait_s": None,
            "avg_handle_s": None,
        },
    )


def test_summary_and_week(store: Store) -> None:
    # both days together: all 11 cases, 5 resolved of 9 not abandoned; 2 transfers
    expected = {
        "all": {
            "requests": 11,
            "first_level": 5,
            "first_level_rate": 5 / 9,
            "transfers": 2,
            "transfer_rate": 2 / 11,
            "abandoned": 2,
            "abandonment_rate": 2 / 11,
        },
        # 6 bot calls, 2 contained, 1 abandoned, 1 transfer; (280 + 70) / 6 s
        "voicebot": {
            "requests": 6,
            "containment_rate": 2 / 6,
            "abandonment_rate": 1 / 6,
            "transfer_rate": 1 / 6,
            "avg_handle_s": 58.3,
        },
        # 5 joins, 4 answered: waits 20, 40, 10, 30; talks 100, 300, 50, 150;
        # wrapped up k4, k5, k9: 2 first level, 1 escalated
        "reception": {
            "requests": 5,
            "answered": 4,
            "abandoned": 1,
            "abandonment_rate": 0.2,
            "avg_wait_s": 25.0,
            "avg_handle_s": 150.0,
            "first_level_rate": 2 / 3,
            "transfers": 1,
            "transfer_rate": 1 / 3,
        },
        "experts": {"requests": 2, "answered": 1, "abandoned": 1, "avg_wait_s": 30.0},
    }
    day = _report(store)
    week = _report(store, Grain.WEEK)
    assert week.period.buckets() == ["2026-W10"]  # Monday 2 March 2026 starts week 10
    for channel, figures in expected.items():
        _check(_row(day, "summary", channel=channel), figures)
        _check(_row(week, "channels", bucket="2026-W10", channel=channel), figures)


def test_services(store: Store) -> None:
    report = _report(store)
    d1 = DAY1.isoformat()
    _check(
        _row(report, "services", bucket=d1, service=RECEPTION),
        {"requests": 3, "answered": 2, "abandoned": 1, "avg_wait_s": 30.0, "avg_handle_s": 200.0},
    )
    _check(
        _row(report, "services", bucket=d1, service="etat-civil"),
        {"requests": 1, "answered": 1, "abandonment_rate": 0.0, "avg_wait_s": 30.0},
    )
    _check(
        _row(report, "services", bucket=d1, service="urbanisme"),
        {"requests": 1, "answered": 0, "abandonment_rate": 1.0, "avg_wait_s": None},
    )
    # a configured service without a call is listed, with zeros
    _check(
        _row(report, "services", bucket=d1, service="social"),
        {"requests": 0, "abandonment_rate": None},
    )
    # reception first, then the services by name
    names = [r["service"] for r in report.tables["services"].rows if r["bucket"] == d1]
    assert names == [RECEPTION, "etat-civil", "social", "urbanisme"]


def test_callbacks_sms(store: Store) -> None:
    report = _report(store)
    d1, d2 = DAY1.isoformat(), DAY2.isoformat()
    # Monday: etat-civil R1 on time, R2 late; urbanisme R3 still pending
    _check(
        _row(report, "callbacks", bucket=d1, service="etat-civil"),
        {
            "callbacks_due": 2,
            "callbacks_on_time": 1,
            "callbacks_late": 1,
            "callbacks_missed": 0,
            "callbacks_on_time_rate": 0.5,
        },
    )
    _check(
        _row(report, "callbacks", bucket=d1, service="urbanisme"),
        {"callbacks_due": 1, "callbacks_missed": 1, "callbacks_on_time_rate": 0.0},
    )
    # Tuesday: R4 failed; R5 is due after now: not counted
    _check(
        _row(report, "callbacks", bucket=d2, service="urbanisme"),
        {"callbacks_due": 1, "callbacks_missed": 1},
    )
    _check(
        _row(report, "callbacks", bucket=d2, service="etat-civil"),
        {"callbacks_due": 0, "callbacks_on_time_rate": None},
    )
    # SMS: s1 sent Monday, s4 refused Monday; s2 sent Tuesday, s3 failed Tuesday
    _check(_row(report, "sms", bucket=d1), {"sms_sent": 1, "sms_failed": 1})
    _check(_row(report, "sms", bucket=d2), {"sms_sent": 1, "sms_failed": 1})


def test_baseline(store: Store) -> None:
    report = _report(store)
    # February: 4 cases, 2 service joins -> 0.5, 1 a day; March: 2 of 11 -> 0.1818,
    # 1 a day; change (0.1818 - 0.5) / 0.5
    _check(
        _row(report, "baseline", span="baseline"),
        {
            "from": "2026-02-02",
            "to": "2026-02-03",
            "days": 2,
            "requests": 4,
            "transfers": 2,
            "transfers_per_day": 1.0,
            "transfer_rate": 0.5,
            "change": None,
        },
    )
    _check(
        _row(report, "baseline", span="current"),
        {"requests": 11, "transfers": 2, "transfer_rate": 0.1818, "change": -0.6364},
    )
    alone = _report(store, baseline=False)
    assert [r["span"] for r in alone.tables["baseline"].rows] == ["current"]
    assert alone.tables["baseline"].rows[0]["change"] is None


def test_cards_and_abstained(store: Store) -> None:
    report = _report(store)
    cards = [
        (r["card_id"], r["total_uses"], r["desk_uses"], r["bot_answers"], r["pinned"])
        for r in report.tables["cards"].rows
    ]
    # carte-identite: k4 (marked used and wrapped up with it: once) and k10; horaires:
    # the bot in k1 and k7 (k12 is after the period); naissance: k9's wrap-up and the
    # bot in k2; encombrants: the chat; passeport only pinned (k9, k10)
    assert cards == [
        ("carte-identite", 2, 2, 0, 0),
        ("etat-civil-naissance", 2, 1, 1, 0),
        ("horaires", 2, 0, 2, 0),
        ("dechets-encombrants", 1, 0, 1, 0),
        ("passeport", 0, 0, 0, 2),
    ]
    questions = [
        (r["question"], r["times"], r["last_asked"]) for r in report.tables["abstained"].rows
    ]
    # the dog twice (k3 Monday, k8 Tuesday), the parking once (the caller's words before
    # the system note), the number masked; the bot's prompt in k2 (no confidence) and
    # k12 (Wednesday) do not count
    assert questions == [
        ("je voudrais inscrire mon chien à la fourrière", 2, "2026-03-03"),
        ("le parking est il gratuit le dimanche", 1, "2026-03-03"),
        ("mon numéro est le …", 1, "2026-03-03"),
    ]
    for row in report.tables["abstained"].rows:
        assert not any(ch.isdigit() for ch in str(row["question"]))


def test_csv_of_every_table(store: Store) -> None:
    report = _report(store)
    for name, table in report.tables.items():
        text = table_csv(table)
        lines = text.splitlines()
        assert lines[0].split(",") == list(table.columns), name
        assert len(lines) == len(table.rows) + 1, name
    summary = table_csv(report.tables["summary"]).splitlines()
    # the reception's row: rates as fractions, no figure left empty but the containment
    assert summary[3] == "reception,5,4,2,0.6667,1,0.3333,,1,0.2,25.0,150.0"


def test_normalise_question() -> None:
    assert normalise_question("  Où est  la Mairie ?! ") == "où est la mairie"
    assert normalise_question("appelez le +33 6 12 34 56 78 svp") == "appelez le … svp"
    assert normalise_question("en 2026") == "en …"
    assert normalise_question("le 3 mai") == "le 3 mai"  # a short number is not a phone's


def test_periods_and_dst() -> None:
    p = Period(date(2026, 3, 28), date(2026, 3, 30), Grain.DAY)
    # Saturday 23:00 UTC is Sunday 00:00 in Paris (UTC+1); on Sunday the clocks go to
    # UTC+2, so Sunday 22:00 UTC is already Monday
    assert p.bucket("2026-03-28 23") == "2026-03-29"
    assert p.bucket("2026-03-29 21") == "2026-03-29"
    assert p.bucket("2026-03-29 22") == "2026-03-30"
    assert p.lo.isoformat() == "2026-03-27T23:00:00+00:00"
    assert p.hi.isoformat() == "2026-03-30T22:00:00+00:00"
    month = default_period(Grain.MONTH, date(2026, 2, 14), "Europe/Paris")
    assert month.start == date(2025, 3, 1)
    assert month.buckets()[0] == "2025-03" and month.buckets()[-1] == "2026-02"
    assert len(month.buckets()) == 12
    week = default_period(Grain.WEEK, date(2026, 3, 4), "Europe/Paris")
    assert week.start == date(2025, 12, 15) and len(week.buckets()) == 12
    with pytest.raises(ValueError):
        Period(DAY2, DAY1, Grain.DAY)


def test_settled_days_from_the_cache(store: Store) -> None:
    """With every day of the period settled, the figures are the store's; a row
    written later into a settled day shows only once the cache's time is up."""
    options = KpiOptions(reception_queue=RECEPTION, now=NOW, services=SERVICES)
    period = Period(DAY1, DAY2, Grain.DAY)
    cache = KpiCache(settle_days=-1, ttl=timedelta(hours=1))  # today is settled too
    direct = compute_kpis(store, period, options)
    cached = compute_kpis(store, period, options, cache)
    assert cached.tables == direct.tables
    # half settled: Monday from the cache, Tuesday from the store
    half = KpiCache(settle_days=0)
    assert compute_kpis(store, period, options, half).tables == direct.tables

    with store.session() as s:  # a late case on Monday (09:00 UTC)
        s.add(
            Case(
                id="late",
                channel="phone",
                language="fr",
                outcome="abandoned",
                created_at=at("03-02 09:00"),
                updated_at=at("03-02 09:00"),
            )
        )
    again = compute_kpis(store, period, options, cache)
    assert _row(again, "channels", bucket=DAY1.isoformat(), channel="all")["requests"] == 6
    later = KpiOptions(reception_queue=RECEPTION, now=NOW + timedelta(hours=2), services=SERVICES)
    fresh = compute_kpis(store, period, later, cache)
    assert _row(fresh, "channels", bucket=DAY1.isoformat(), channel="all")["requests"] == 7
    # ``half`` keeps Monday six hours (its default): two hours later, still the old count
    assert (
        _row(
            compute_kpis(store, period, later, half),
            "channels",
            bucket=DAY1.isoformat(),
            channel="all",
        )["requests"]
        == 6
    )
