"""The KPI page: the period form, the figures of the period per channel, trend
charts (server-side SVG) and every table, each with its CSV link and the definition
of each of its figures right below it. Plain HTML: usable with the keyboard alone
(native controls, a skip link, visible focus), readable at 200 % zoom (one column,
tables scroll inside a focusable region), French by default."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from urllib.parse import urlencode

from agent_softphone.access import Principal
from agent_softphone.kpis.charts import Series, line_chart
from agent_softphone.kpis.strings import CHANNEL_NAMES, SPAN_NAMES, STRINGS
from agent_softphone.pages import head_start, other_lang, words
from guichet.kpis import DEFINITIONS, Cell, KpiReport, Table, definition, label

__all__ = ["PAGE_ROWS", "format_cell", "kpi_page"]

PAGE_ROWS = 20  # cards and questions shown on the page; the CSV has them all


def _number(value: float, lang: str, digits: int) -> str:
    text = f"{value:,.{digits}f}"
    if lang == "fr":  # 1 234,5
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def format_cell(key: str, value: Cell, lang: str) -> str:
    if value is None:
        return "—"
    if not isinstance(value, int | float):
        return str(value)
    match DEFINITIONS[key].unit:
        case "rate":
            return _number(value * 100, lang, 1) + "\u202f%"
        case "seconds":
            return _number(value, lang, 1) + "\u202fs"
        case "per_day":
            return _number(value, lang, 2)
        case _:
            return _number(value, lang, 0)


def _cell_text(key: str, value: Cell, lang: str) -> str:
    if key == "channel" and isinstance(value, str):
        return CHANNEL_NAMES[lang].get(value, value)
    if key == "span" and isinstance(value, str):
        return SPAN_NAMES[lang].get(value, value)
    return format_cell(key, value, lang)


def _table(
    table: Table,
    lang: str,
    caption: str,
    csv_href: str,
    *,
    limit: int | None = None,
) -> str:
    s = STRINGS[lang]
    tid = f"t-{table.name}"
    head = "".join(
        f'<th scope="col" aria-describedby="{tid}-d-{c}">{escape(label(c, lang))}</th>'
        for c in table.columns
    )
    rows = table.rows if limit is None else table.rows[:limit]
    body = "".join(
        "<tr>"
        + "".join(
            (
                f'<th scope="row">{escape(_cell_text(c, r.get(c), lang))}</th>'
                if i == 0
                else f"<td>{escape(_cell_text(c, r.get(c), lang))}</td>"
            )
            for i, c in enumerate(table.columns)
        )
        + "</tr>"
        for r in rows
    )
    if not rows:
        body = f'<tr><td colspan="{len(table.columns)}">{escape(s["empty"])}</td></tr>'
    note = ""
    if limit is not None and len(table.rows) > limit:
        note = f'<p class="note">{escape(s["top"].format(n=limit))}</p>'
    definitions = "".join(
        f'<dt>{escape(label(c, lang))}</dt><dd id="{tid}-d-{c}">{escape(definition(c, lang))}</dd>'
        for c in table.columns
    )
    return (
        f'<section class="kpi-table" aria-labelledby="{tid}-h" id="{tid}">'
        f'<h3 id="{tid}-h">{escape(caption)}</h3>'
        f'<p><a href="{escape(csv_href)}" download>{escape(s["csv"])} '
        f"({escape(table.name)}.csv)</a></p>"
        f'<div class="scroll" role="region" aria-labelledby="{tid}-h" tabindex="0">'
        f'<table data-table="{table.name}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>{note}"
        f'<details class="defs" open><summary>{escape(s["definitions"])}</summary>'
        f"<dl>{definitions}</dl></details></section>"
    )


def _column(table: Table, key: str, value_key: str, wanted: str) -> list[float | None]:
    out: list[float | None] = []
    for r in table.rows:
        if r.get(key) == wanted:
            v = r.get(value_key)
            out.append(float(v) if isinstance(v, int | float) else None)
    return out


def _charts(report: KpiReport, lang: str, services: Sequence[str]) -> str:
    s = STRINGS[lang]
    names = CHANNEL_NAMES[lang]
    labels = report.period.buckets()
    channels = report.tables["channels"]
    svc = report.tables["services"]

    def pct(v: float) -> str:
        return format_cell("first_level_rate", v, lang)

    def secs(v: float) -> str:
        return format_cell("avg_wait_s", v, lang)

    def count(v: float) -> str:
        return _number(v, lang, 0)

    def by_channel(metric: str, chans: Sequence[str]) -> list[Series]:
        return [Series(names[c], _column(channels, "channel", metric, c)) for c in chans]

    reference = None
    for row in report.tables["baseline"].rows:
        rate = row.get("transfer_rate")
        if row.get("span") == "baseline" and isinstance(rate, int | float):
            reference = (s["reference"], float(rate))
    charts: list[tuple[str, str, list[Series], Callable[[float], str], bool]] = [
        (
            "chart-flr",
            s["chart_flr"] + " — " + definition("first_level_rate", lang),
            by_channel("first_level_rate", ("all", "voicebot", "reception")),
            pct,
            True,
        ),
        (
            "chart-transfers",
            s["chart_transfers"] + " — " + definition("transfer_rate", lang),
            by_channel("transfer_rate", ("all",)),
            pct,
            True,
        ),
        (
            "chart-containment",
            s["chart_containment"] + " — " + definition("containment_rate", lang),
            [
                Series(
                    label("containment_rate", lang),
                    _column(channels, "channel", "containment_rate", "voicebot"),
                ),
                *[
                    Series(
                        f"{label('abandonment_rate', lang)} ({names[c]})",
                        _column(channels, "channel", "abandonment_rate", c),
                    )
                    for c in ("reception", "experts")
                ],
            ],
            pct,
            True,
        ),
        (
            "chart-service-calls",
            s["chart_service_calls"] + " — " + definition("requests", lang),
            [Series(name, _column(svc, "service", "requests", name)) for name in services],
            count,
            False,
        ),
        (
            "chart-service-wait",
            s["chart_service_wait"] + " — " + definition("avg_wait_s", lang),
            [Series(name, _column(svc, "service", "avg_wait_s", name)) for name in services],
            secs,
            False,
        ),
    ]
    return "".join(
        line_chart(
            cid,
            title,
            labels,
            series,
            fmt,
            percent=percent,
            reference=reference if cid == "chart-transfers" else None,
            no_data=s["no_data"],
        )
        for cid, title, series, fmt, percent in charts
    )


def kpi_page(who: Principal, report: KpiReport, lang: str, query: dict[str, str]) -> str:
    """``query``: the page's own parameters (the period asked), kept in the links."""
    s = STRINGS[lang]
    other = other_lang(lang)
    period = report.period
    t = words(s)

    def link(path: str, **extra: str) -> str:
        params = {**query, **extra}
        return path + ("?" + urlencode(params) if params else "")

    grains = "".join(
        f'<option value="{g}"{" selected" if g == period.grain.value else ""}>{t(g)}</option>'
        for g in ("day", "week", "month")
    )
    base_from = report.baseline[0].isoformat() if report.baseline else ""
    base_to = report.baseline[1].isoformat() if report.baseline else ""
    services = [
        str(r["service"])
        for r in report.tables["services"].rows
        if r["bucket"] == (period.buckets() or [""])[0]
    ]
    shown = s["shown"].format(
        start=period.start.isoformat(),
        end=period.end.isoformat(),
        grain=s[period.grain.value],
        zone=period.zone,
    )
    captions = {
        "summary": s["summary_table"],
        "channels": s["channels"],
        "services": s["services"],
        "callbacks": s["callbacks"],
        "sms": s["sms"],
        "baseline": s["baseline_table"],
        "cards": s["cards"],
        "abstained": s["abstained"],
    }
    limits = {"cards": PAGE_ROWS, "abstained": PAGE_ROWS}
    tables = {
        name: _table(
            report.tables[name],
            lang,
            captions[name],
            link(f"/api/kpis/{name}.csv"),
            limit=limits.get(name),
        )
        for name in captions
    }
    no_baseline = "" if report.baseline else f'<p class="note">{t("no_baseline")}</p>'
    return f"""{head_start(lang, t("title"))}
<link rel="stylesheet" href="/kpis/assets/base.css">
<link rel="stylesheet" href="/kpis/assets/kpis.css">
</head>
<body>
<a class="skip" href="#figures">{t("skip")}</a>
<header>
  <h1>{t("title")}</h1>
  <p>{escape(who.display_name or who.username)} ·
  <a href="{escape(link("/kpis", lang=other))}" lang="{other}">{t("other_lang")}</a> ·
  <a href="/">{t("desk")}</a></p>
</header>
<main>
<form method="get" action="/kpis" class="period">
  <input type="hidden" name="lang" value="{lang}">
  <fieldset><legend>{t("period")}</legend>
    <label for="grain">{t("grain")}</label>
    <select id="grain" name="grain">{grains}</select>
    <label for="from">{t("from")}</label>
    <input id="from" name="from" type="date" value="{period.start.isoformat()}">
    <label for="to">{t("to")}</label>
    <input id="to" name="to" type="date" value="{period.end.isoformat()}">
  </fieldset>
  <fieldset><legend>{t("baseline")}</legend>
    <label for="baseline_from">{t("baseline_from")}</label>
    <input id="baseline_from" name="baseline_from" type="date" value="{base_from}">
    <label for="baseline_to">{t("baseline_to")}</label>
    <input id="baseline_to" name="baseline_to" type="date" value="{base_to}">
  </fieldset>
  <button type="submit">{t("show")}</button>
</form>
<p id="shown" role="status">{escape(shown)}</p>
<section id="figures" tabindex="-1" aria-labelledby="h-summary">
<h2 id="h-summary">{t("summary")}</h2>
{tables["summary"]}
{tables["baseline"]}{no_baseline}
</section>
<section aria-labelledby="h-charts">
<h2 id="h-charts">{t("charts")}</h2>
<p class="note">{t("chart_table_note")}</p>
<div class="charts">{_charts(report, lang, services)}</div>
</section>
<section aria-labelledby="h-tables">
<h2 id="h-tables">{t("tables")}</h2>
{tables["channels"]}
{tables["services"]}
{tables["callbacks"]}
{tables["sms"]}
{tables["cards"]}
{tables["abstained"]}
</section>
</main>
</body>
</html>
"""
