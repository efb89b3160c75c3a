"""The city's KPIs from the store: first-level resolution, transfers to specialised
services (and against a baseline), voicebot containment, abandonment, waits and
handle times, callbacks on time, SMS, the cards most used and the questions the bot
could not answer; per day, week or month and per channel. Pure reads, on SQLite and
PostgreSQL; each figure's definition lives in :mod:`guichet.kpis.definitions`."""

from guichet.kpis.collect import KpiCache
from guichet.kpis.csv_export import table_csv
from guichet.kpis.definitions import CHANNELS, DEFINITIONS, Definition, definition, label
from guichet.kpis.period import Grain, Period, default_period
from guichet.kpis.report import (
    TABLES,
    Cell,
    KpiOptions,
    KpiReport,
    Table,
    compute_kpis,
    normalise_question,
)

__all__ = [
    "CHANNELS",
    "DEFINITIONS",
    "TABLES",
    "Cell",
    "Definition",
    "Grain",
    "KpiCache",
    "KpiOptions",
    "KpiReport",
    "Period",
    "Table",
    "compute_kpis",
    "default_period",
    "definition",
    "label",
    "normalise_question",
    "table_csv",
]
