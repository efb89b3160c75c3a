"""The KPI report: every table the page, the CSV export and the JSON API show, from
one pass over the store (:mod:`guichet.kpis.queries`) cut into the period's buckets.

Each table is named, its columns are keys of :data:`guichet.kpis.definitions.DEFINITIONS`
(the definition shown next to each figure), its cells plain numbers or text: a rate
is a fraction (0.6 for 60 %), a time is in seconds, and ``None`` means the figure
does not apply or has nothing to count (a rate over zero calls)."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from guichet.kpis import queries as q
from guichet.kpis.collect import KpiCache, collect
from guichet.kpis.period import Period
from guichet.store import Store

__all__ = [
    "TABLES",
    "Cell",
    "KpiOptions",
    "KpiReport",
    "Table",
    "compute_kpis",
    "normalise_question",
]

Cell = str | int | float | None

CHANNEL_COLUMNS = (
    "requests",
    "answered",
    "first_level",
    "first_level_rate",
    "transfers",
    "transfer_rate",
    "containment_rate",
    "abandoned",
    "abandonment_rate",
    "avg_wait_s",
    "avg_handle_s",
)
SERVICE_COLUMNS = (
    "requests",
    "answered",
    "abandoned",
    "abandonment_rate",
    "avg_wait_s",
    "avg_handle_s",
)
CALLBACK_COLUMNS = (
    "callbacks_due",
    "callbacks_on_time",
    "callbacks_late",
    "callbacks_missed",
    "callbacks_on_time_rate",
)
TABLES: dict[str, tuple[str, ...]] = {
    "summary": ("channel", *CHANNEL_COLUMNS),
    "channels": ("bucket", "channel", *CHANNEL_COLUMNS),
    "services": ("bucket", "service", *SERVICE_COLUMNS),
    "callbacks": ("bucket", "service", *CALLBACK_COLUMNS),
    "sms": ("bucket", "sms_sent", "sms_failed"),
    "baseline": (
        "span",
        "from",
        "to",
        "days",
        "requests",
        "transfers",
        "transfers_per_day",
        "transfer_rate",
        "change",
    ),
    "cards": ("card_id", "total_uses", "desk_uses", "bot_answers", "pinned"),
    "abstained": ("question", "times", "last_asked"),
}


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    rows: tuple[dict[str, Cell], ...]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "columns": list(self.columns), "rows": list(self.rows)}


@dataclass(frozen=True)
class KpiOptions:
    """What the city set: its reception queue (every other queue is a specialised
    service's), the baseline period it compares transfers with, and now (the
    callbacks not yet due are not counted)."""

    reception_queue: str
    now: datetime
    baseline: tuple[date, date] | None = None
    services: tuple[str, ...] = ()  # queues always listed, even without a call


@dataclass(frozen=True)
class KpiReport:
    period: Period
    baseline: tuple[date, date] | None
    tables: dict[str, Table] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "period": {
                "from": self.period.start.isoformat(),
                "to": self.period.end.isoformat(),
                "grain": self.period.grain.value,
                "zone": self.period.zone,
                "buckets": self.period.buckets(),
            },
            "baseline": None
            if self.baseline is None
            else {"from": self.baseline[0].isoformat(), "to": self.baseline[1].isoformat()},
            "tables": {name: t.to_json() for name, t in self.tables.items()},
        }


# --- arithmetic ---


def _rate(part: float, whole: float) -> float | None:
    return None if whole <= 0 else round(part / whole, 4)


def _mean(total: float, n: float) -> float | None:
    return None if n <= 0 else round(total / n, 1)


Sums = defaultdict[str, float]


def _sums() -> Sums:
    return defaultdict(float)


def _channel_cells(channel: str, s: Mapping[str, float]) -> dict[str, Cell]:
    def n(key: str) -> int:
        return int(s.get(key, 0))

    match channel:
        case "all":
            resolved = n("by_bot") + n("case_first_level")
            return {
                "requests": n("cases"),
                "answered": None,
                "first_level": resolved,
                "first_level_rate": _rate(resolved, n("cases") - n("case_abandoned")),
                "transfers": n("service_joins"),
                "transfer_rate": _rate(n("service_joins"), n("cases")),
                "containment_rate": None,
                "abandoned": n("case_abandoned"),
                "abandonment_rate": _rate(n("case_abandoned"), n("cases")),
                "avg_wait_s": None,
                "avg_handle_s": None,
            }
        case "voicebot":
            return {
                "requests": n("bot_handled"),
                "answered": n("bot_contained"),
                "first_level": n("bot_contained"),
                "first_level_rate": _rate(n("bot_contained"), n("bot_handled")),
                "transfers": n("bot_transfers"),
                "transfer_rate": _rate(n("bot_transfers"), n("bot_handled")),
                "containment_rate": _rate(n("bot_contained"), n("bot_handled")),
                "abandoned": n("bot_abandoned"),
                "abandonment_rate": _rate(n("bot_abandoned"), n("bot_handled")),
                "avg_wait_s": None,
                "avg_handle_s": _mean(s.get("bot_handle_sum", 0), s.get("bot_handle_n", 0)),
            }
        case _:  # reception, experts: the queues
            p = "rq_" if channel == "reception" else "sq_"
            cells: dict[str, Cell] = {
                "requests": n(p + "join"),
                "answered": n(p + "connect"),
                "first_level": None,
                "first_level_rate": None,
                "transfers": None,
                "transfer_rate": None,
                "containment_rate": None,
                "abandoned": n(p + "abandon"),
                "abandonment_rate": _rate(n(p + "abandon"), n(p + "join")),
                "avg_wait_s": _mean(s.get(p + "wait_sum", 0), s.get(p + "wait_n", 0)),
                "avg_handle_s": _mean(s.get(p + "talk_sum", 0), s.get(p + "talk_n", 0)),
            }
            if channel == "reception":
                wrapped = n("reception_wrapped")
                cells |= {
                    "first_level": n("case_first_level"),
                    "first_level_rate": _rate(n("case_first_level"), wrapped),
                    "transfers": n("reception_escalated"),
                    "transfer_rate": _rate(n("reception_escalated"), wrapped),
                }
            return cells


def _queue_cells(s: Mapping[str, float]) -> dict[str, Cell]:
    joins, abandons = int(s.get("join", 0)), int(s.get("abandon", 0))
    return {
        "requests": joins,
        "answered": int(s.get("connect", 0)),
        "abandoned": abandons,
        "abandonment_rate": _rate(abandons, joins),
        "avg_wait_s": _mean(s.get("wait_sum", 0), s.get("wait_n", 0)),
        "avg_handle_s": _mean(s.get("talk_sum", 0), s.get("talk_n", 0)),
    }


def _add_to(sums: Iterable[Sums], figures: Mapping[str, float]) -> None:
    """``figures`` added into each of ``sums`` (a row's bucket and the total)."""
    for s in sums:
        for key, value in figures.items():
            s[key] += value


def _add_queue_row(s: Sums, prefix: str, row: q.QueueRow) -> None:
    match row.kind:
        case q.JOIN:
            s[prefix + "join"] += row.count
        case q.ABANDON:
            s[prefix + "abandon"] += row.count
        case q.CONNECT:
            s[prefix + "connect"] += row.count
            s[prefix + "wait_sum"] += row.wait_sum
            s[prefix + "wait_n"] += row.wait_n
        case q.COMPLETE:
            s[prefix + "talk_sum"] += row.talk_sum
            s[prefix + "talk_n"] += row.talk_n


# --- questions ---

_DIGITS = re.compile(r"\+?\d(?:[\s.\-/]*\d){3,}")  # four digits or more: a number, masked
_NOT_WORD = re.compile(r"[^\w'’…]+")


def normalise_question(text: str) -> str:
    """What groups the same question asked twice: lower case, no punctuation, runs
    of four digits or more (a phone number, a reference) masked as ``…``."""
    masked = _DIGITS.sub(" … ", unicodedata.normalize("NFC", text))
    words = _NOT_WORD.sub(" ", masked.lower()).replace("’", "'")
    return " ".join(words.split())


# --- the report ---


def _per_card(counts: Iterable[q.CardCount]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for c in counts:
        out[c.card] += c.count
    return out


def _local_day(at: datetime, period: Period) -> str:
    return at.astimezone(period.tz).date().isoformat()


def _utc_span(start: date, end: date, period: Period) -> tuple[datetime, datetime]:
    lo = datetime.combine(start, time(), period.tz)
    hi = datetime.combine(end + timedelta(days=1), time(), period.tz)
    return lo, hi


def _ranked(counts: Iterable[tuple[str, dict[str, Cell]]], key: str) -> tuple[dict[str, Cell], ...]:
    rows = sorted(counts, key=lambda kv: (-int(kv[1][key] or 0), kv[0]))
    return tuple(r for _, r in rows)


def compute_kpis(
    store: Store, period: Period, options: KpiOptions, cache: KpiCache | None = None
) -> KpiReport:
    """Every KPI table of ``period``: pure reads, one short transaction. With a
    ``cache``, the settled days' rows come from it (read from the store once)."""
    keys = q.Keys(store.engine.dialect.name, period.zone, period.edge_hours())
    reception = options.reception_queue
    with store.session() as session:
        if cache is None:
            rows = collect(
                session, period.lo, period.hi, keys=keys, reception=reception, now=options.now
            )
        else:
            rows = cache.rows(session, period, keys=keys, reception=reception, now=options.now)
        baseline_counts: tuple[int, int] | None = None
        if options.baseline is not None:
            b_lo, b_hi = _utc_span(*options.baseline, period)
            baseline_counts = (
                q.case_count(session, b_lo, b_hi),
                q.service_joins(session, b_lo, b_hi, reception),
            )
    queue_rows, bot_rows, case_rows = rows.queue, rows.bot, rows.cases

    buckets = period.buckets()
    # channel sums per bucket, and over the whole period ("total")
    per: dict[str, Sums] = {b: _sums() for b in [*buckets, "total"]}
    services: dict[tuple[str, str], Sums] = defaultdict(_sums)
    queue_names = set(options.services) | {reception}

    for row in queue_rows:
        b = period.bucket(row.day)
        queue_names.add(row.queue)
        prefix = "rq_" if row.queue == reception else "sq_"
        for key in (b, "total"):
            _add_queue_row(per[key], prefix, row)
            if row.queue != reception and row.kind == q.JOIN:
                per[key]["service_joins"] += row.count
        _add_queue_row(services[(b, row.queue)], "", row)
    for bot in bot_rows:
        _add_to(
            (per[period.bucket(bot.day)], per["total"]),
            {
                "bot_handled": bot.handled,
                "bot_contained": bot.contained,
                "bot_abandoned": bot.abandoned,
                "bot_transfers": bot.transfers,
                "bot_handle_sum": bot.handle_sum,
                "bot_handle_n": bot.handle_n,
            },
        )
    for c in case_rows:
        _add_to(
            (per[period.bucket(c.day)], per["total"]),
            {
                "cases": c.cases,
                "case_abandoned": c.abandoned,
                "by_bot": c.by_bot,
                "case_first_level": c.first_level,
                "reception_wrapped": c.reception_wrapped,
                "reception_escalated": c.reception_escalated,
            },
        )

    spans: list[tuple[str, date, date, int, int]] = []
    if options.baseline is not None and baseline_counts is not None:
        spans.append(("baseline", *options.baseline, *baseline_counts))
    total = per["total"]
    spans.append(
        ("current", period.start, period.end, int(total["cases"]), int(total["service_joins"]))
    )

    channels = ("all", "voicebot", "reception", "experts")
    tables: dict[str, Table] = {}
    tables["summary"] = Table(
        "summary",
        TABLES["summary"],
        tuple({"channel": ch, **_channel_cells(ch, per["total"])} for ch in channels),
    )
    tables["channels"] = Table(
        "channels",
        TABLES["channels"],
        tuple(
            {"bucket": b, "channel": ch, **_channel_cells(ch, per[b])}
            for b in buckets
            for ch in channels
        ),
    )
    ordered_queues = [reception, *sorted(queue_names - {reception})]
    tables["services"] = Table(
        "services",
        TABLES["services"],
        tuple(
            {"bucket": b, "service": name, **_queue_cells(services.get((b, name), _sums()))}
            for b in buckets
            for name in ordered_queues
        ),
    )

    callbacks: dict[tuple[str, str], Sums] = defaultdict(_sums)
    for cb in rows.callbacks:
        s = callbacks[(period.bucket(cb.day), cb.service)]
        s["due"] += cb.due
        s["on_time"] += cb.on_time
        s["late"] += cb.late
    callback_services = sorted({svc for _, svc in callbacks})
    tables["callbacks"] = Table(
        "callbacks",
        TABLES["callbacks"],
        tuple(
            {
                "bucket": b,
                "service": svc,
                "callbacks_due": int(s["due"]),
                "callbacks_on_time": int(s["on_time"]),
                "callbacks_late": int(s["late"]),
                "callbacks_missed": int(s["due"] - s["on_time"] - s["late"]),
                "callbacks_on_time_rate": _rate(s["on_time"], s["due"]),
            }
            for b in buckets
            for svc in callback_services
            for s in [callbacks.get((b, svc), _sums())]
        ),
    )

    sms_per: dict[str, Sums] = {b: _sums() for b in buckets}
    for sms in rows.sms:
        sms_per[period.bucket(sms.day)][sms.kind] += sms.count
    tables["sms"] = Table(
        "sms",
        TABLES["sms"],
        tuple(
            {
                "bucket": b,
                "sms_sent": int(sms_per[b]["sent"]),
                "sms_failed": int(sms_per[b]["failed"]),
            }
            for b in buckets
        ),
    )

    base_rate: float | None = None
    baseline_rows: list[dict[str, Cell]] = []
    for span, start, end, requests, transfers in spans:
        days = (end - start).days + 1
        rate = _rate(transfers, requests)
        change = None
        if span == "baseline":
            base_rate = rate
        elif base_rate and rate is not None:
            change = round((rate - base_rate) / base_rate, 4)
        baseline_rows.append(
            {
                "span": span,
                "from": start.isoformat(),
                "to": end.isoformat(),
                "days": days,
                "requests": requests,
                "transfers": transfers,
                "transfers_per_day": round(transfers / days, 2),
                "transfer_rate": rate,
                "change": change,
            }
        )
    tables["baseline"] = Table("baseline", TABLES["baseline"], tuple(baseline_rows))

    desk_uses, answers, pinned = (
        _per_card(rows.desk_uses),
        _per_card(rows.answers),
        _per_card(rows.pinned),
    )
    cards = set(desk_uses) | set(answers) | set(pinned)
    tables["cards"] = Table(
        "cards",
        TABLES["cards"],
        _ranked(
            (
                (
                    card,
                    {
                        "card_id": card,
                        "total_uses": desk_uses.get(card, 0) + answers.get(card, 0),
                        "desk_uses": desk_uses.get(card, 0),
                        "bot_answers": answers.get(card, 0),
                        "pinned": pinned.get(card, 0),
                    },
                )
                for card in cards
            ),
            "total_uses",
        ),
    )

    asked: dict[str, tuple[int, datetime]] = {}
    for said in rows.abstained:
        text = normalise_question(said.text)
        if text:
            times, last = asked.get(text, (0, said.last))
            asked[text] = (times + said.times, max(last, said.last))
    tables["abstained"] = Table(
        "abstained",
        TABLES["abstained"],
        _ranked(
            (
                (
                    text,
                    {
                        "question": text,
                        "times": times,
                        "last_asked": _local_day(last, period),
                    },
                )
                for text, (times, last) in asked.items()
            ),
            "times",
        ),
    )
    return KpiReport(period=period, baseline=options.baseline, tables=tables)
