"""The KPI page's words, French first, English available. The figures' names and
definitions are not here: they live with the figures, in
:mod:`guichet.kpis.definitions`."""

from __future__ import annotations

from typing import Final

__all__ = ["CHANNEL_NAMES", "SPAN_NAMES", "STRINGS"]

STRINGS: Final[dict[str, dict[str, str]]] = {
    "fr": {
        "title": "Guichet — indicateurs",
        "skip": "Aller aux indicateurs",
        "other_lang": "English",
        "desk": "Accueil de l'application",
        "period": "Période",
        "grain": "Découpage",
        "day": "par jour",
        "week": "par semaine",
        "month": "par mois",
        "from": "Du",
        "to": "Au",
        "baseline": "Période de référence (transferts)",
        "baseline_from": "Référence du",
        "baseline_to": "Référence au",
        "show": "Afficher",
        "shown": "Du {start} au {end}, {grain}, à l'heure de {zone}.",
        "no_baseline": "Aucune période de référence choisie : la comparaison des transferts "
        "n'est pas calculée.",
        "summary": "Vue d'ensemble de la période",
        "summary_table": "Par canal, sur toute la période",
        "charts": "Tendances",
        "tables": "Tableaux détaillés",
        "channels": "Par canal et par période",
        "services": "Par service (files)",
        "callbacks": "Rappels",
        "sms": "SMS",
        "baseline_table": "Transferts vers les services : comparaison avec la référence",
        "cards": "Fiches les plus utilisées",
        "abstained": "Questions restées sans réponse (à écrire en priorité)",
        "csv": "Télécharger en CSV",
        "definitions": "Définitions",
        "top": "Les {n} premières lignes ; le CSV les contient toutes.",
        "empty": "Rien dans la période.",
        "chart_flr": "Taux de résolution au premier niveau",
        "chart_transfers": "Taux de transfert vers les services (tous canaux)",
        "chart_containment": "Confinement du voicebot et abandons",
        "chart_service_calls": "Appels par service",
        "chart_service_wait": "Attente moyenne par service (s)",
        "reference": "référence",
        "no_data": "pas de donnée",
        "chart_table_note": "Les valeurs exactes sont dans les tableaux ci-dessous.",
        "bad_request": "Demande incorrecte",
    },
    "en": {
        "title": "Guichet — KPIs",
        "skip": "Skip to the KPIs",
        "other_lang": "Français",
        "desk": "Application home",
        "period": "Period",
        "grain": "Cut",
        "day": "by day",
        "week": "by week",
        "month": "by month",
        "from": "From",
        "to": "To",
        "baseline": "Baseline period (transfers)",
        "baseline_from": "Baseline from",
        "baseline_to": "Baseline to",
        "show": "Show",
        "shown": "From {start} to {end}, {grain}, on the {zone} clock.",
        "no_baseline": "No baseline period chosen: the transfers comparison is not computed.",
        "summary": "The period at a glance",
        "summary_table": "Per channel, over the whole period",
        "charts": "Trends",
        "tables": "Detailed tables",
        "channels": "Per channel and period",
        "services": "Per service (queues)",
        "callbacks": "Callbacks",
        "sms": "SMS",
        "baseline_table": "Transfers to specialised services against the baseline",
        "cards": "Cards most used",
        "abstained": "Questions left unanswered (what to write next)",
        "csv": "Download as CSV",
        "definitions": "Definitions",
        "top": "The first {n} rows; the CSV has them all.",
        "empty": "Nothing in the period.",
        "chart_flr": "First-level resolution rate",
        "chart_transfers": "Transfer rate to specialised services (all channels)",
        "chart_containment": "Voicebot containment and abandonment",
        "chart_service_calls": "Calls per service",
        "chart_service_wait": "Average wait per service (s)",
        "reference": "baseline",
        "no_data": "no data",
        "chart_table_note": "The exact values are in the tables below.",
        "bad_request": "Bad request",
    },
}

CHANNEL_NAMES: Final[dict[str, dict[str, str]]] = {
    "fr": {"all": "tous", "voicebot": "voicebot", "reception": "accueil", "experts": "experts"},
    "en": {"all": "all", "voicebot": "voicebot", "reception": "reception", "experts": "experts"},
}

SPAN_NAMES: Final[dict[str, dict[str, str]]] = {
    "fr": {"baseline": "référence", "current": "actuelle"},
    "en": {"baseline": "baseline", "current": "current"},
}
