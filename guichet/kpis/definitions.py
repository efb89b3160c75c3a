"""Every figure's name and definition, in one place, in French and English: the
page shows each next to its figure, the CSV and JSON carry the same keys. A change
to how a figure is counted is a change here first.

Channels: ``all`` (every case, whatever the channel), ``voicebot`` (calls the bot
talked with), ``reception`` (the reception queue: the first-level desk),
``experts`` (the specialised services' queues). The web chat is counted in ``all``
and gets its own channel when it lands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["CHANNELS", "DEFINITIONS", "Definition", "Unit", "definition", "label"]

Unit = Literal["text", "count", "rate", "seconds", "per_day"]

CHANNELS: Final = ("all", "voicebot", "reception", "experts")


@dataclass(frozen=True)
class Definition:
    unit: Unit
    fr: tuple[str, str]  # (label, definition)
    en: tuple[str, str]


def _d(unit: Unit, fr: tuple[str, str], en: tuple[str, str]) -> Definition:
    return Definition(unit, fr, en)


DEFINITIONS: Final[dict[str, Definition]] = {
    # --- keys of the rows ---
    "bucket": _d(
        "text",
        ("Période", "Jour, semaine ISO (lundi–dimanche) ou mois, à l'heure de la mairie."),
        ("Period", "Day, ISO week (Monday–Sunday) or month, on the city hall's clock."),
    ),
    "channel": _d(
        "text",
        (
            "Canal",
            "tous (chaque dossier, tout canal), voicebot (appels où le robot a parlé), "
            "accueil (file de l'accueil, premier niveau), experts (files des services "
            "spécialisés).",
        ),
        (
            "Channel",
            "all (every case, any channel), voicebot (calls the bot talked with), "
            "reception (the reception queue, first level), experts (the specialised "
            "services' queues).",
        ),
    ),
    "service": _d(
        "text",
        ("Service", "La file du service (son nom dans la configuration des files)."),
        ("Service", "The service's queue (its name in the queue settings)."),
    ),
    # --- the channels' table ---
    "requests": _d(
        "count",
        (
            "Demandes",
            "tous : dossiers ouverts dans la période ; voicebot : appels passés par le "
            "robot (un événement d'état « voicebot ») ; accueil et experts : entrées "
            "dans la file (QueueCallerJoin).",
        ),
        (
            "Requests",
            "all: cases opened in the period; voicebot: calls that reached the bot (a "
            "'voicebot' state event); reception and experts: queue joins "
            "(QueueCallerJoin).",
        ),
    ),
    "answered": _d(
        "count",
        (
            "Décrochés",
            "Files : appels pris par une personne (AgentConnect). Voicebot : appels "
            "répondus par le robot sans personne (= contenus).",
        ),
        (
            "Answered",
            "Queues: calls a person took (AgentConnect). Voicebot: calls the bot "
            "answered without a person (= contained).",
        ),
    ),
    "first_level": _d(
        "count",
        (
            "Résolus au premier niveau",
            "tous : dossiers répondus par le robot (issue « answered_by_bot ») ou clos "
            "au premier niveau par un agent d'accueil (clôture « premier niveau ») ; "
            "voicebot : appels contenus ; accueil : dossiers pris à l'accueil et clos "
            "« premier niveau ».",
        ),
        (
            "Resolved at first level",
            "all: cases the bot answered (outcome 'answered_by_bot') or a reception "
            "agent wrapped up as 'first level'; voicebot: contained calls; reception: "
            "cases answered at reception and wrapped up 'first level'.",
        ),
    ),
    "first_level_rate": _d(
        "rate",
        (
            "Taux de résolution au premier niveau",
            "tous : résolus au premier niveau ÷ dossiers ouverts non abandonnés ; "
            "voicebot : contenus ÷ appels passés par le robot ; accueil : clos « premier "
            "niveau » ÷ dossiers pris à l'accueil et clôturés (un dossier sans clôture "
            "n'est pas compté).",
        ),
        (
            "First-level resolution rate",
            "all: resolved at first level ÷ cases opened and not abandoned; voicebot: "
            "contained ÷ calls that reached the bot; reception: wrapped up 'first "
            "level' ÷ cases answered at reception and wrapped up (a case without a "
            "wrap-up is left out).",
        ),
    ),
    "transfers": _d(
        "count",
        (
            "Transferts vers les services",
            "tous : entrées dans une file de service spécialisé (toute file sauf "
            "l'accueil), d'où qu'elles viennent ; voicebot : appels passés par le robot "
            "entrés ensuite dans une file de service ; accueil : dossiers pris à "
            "l'accueil et clôturés « escaladé » vers un service.",
        ),
        (
            "Transfers to specialised services",
            "all: joins of a specialised service's queue (any queue but reception), "
            "from anywhere; voicebot: calls that reached the bot and then joined a "
            "service's queue; reception: cases answered at reception and wrapped up "
            "'escalated' to a service.",
        ),
    ),
    "transfer_rate": _d(
        "rate",
        (
            "Taux de transfert",
            "tous : transferts ÷ dossiers ouverts ; voicebot : transferts ÷ appels "
            "passés par le robot ; accueil : escaladés ÷ dossiers pris à l'accueil et "
            "clôturés.",
        ),
        (
            "Transfer rate",
            "all: transfers ÷ cases opened; voicebot: transfers ÷ calls that reached "
            "the bot; reception: escalated ÷ cases answered at reception and wrapped up.",
        ),
    ),
    "containment_rate": _d(
        "rate",
        (
            "Taux de confinement du voicebot",
            "Appels passés par le robot dont le dossier a l'issue « answered_by_bot » "
            "(répondu sans personne : ni file, ni rappel) ÷ appels passés par le robot.",
        ),
        (
            "Voicebot containment",
            "Calls that reached the bot whose case has the outcome 'answered_by_bot' "
            "(answered without a person: no queue, no callback) ÷ calls that reached "
            "the bot.",
        ),
    ),
    "abandoned": _d(
        "count",
        (
            "Abandons",
            "Files : appelants qui ont raccroché en attente (QueueCallerAbandon) ; "
            "voicebot : appels raccrochés avant toute réponse du robot (issue "
            "« abandoned ») ; tous : dossiers à l'issue « abandoned ».",
        ),
        (
            "Abandoned",
            "Queues: callers who hung up while waiting (QueueCallerAbandon); voicebot: "
            "calls hung up before the bot answered anything (outcome 'abandoned'); "
            "all: cases with the outcome 'abandoned'.",
        ),
    ),
    "abandonment_rate": _d(
        "rate",
        ("Taux d'abandon", "Abandons ÷ demandes du même canal."),
        ("Abandonment rate", "Abandoned ÷ requests of the same channel."),
    ),
    "avg_wait_s": _d(
        "seconds",
        (
            "Attente moyenne (s)",
            "Files : moyenne du temps d'attente des appels décrochés (HoldTime "
            "d'AgentConnect : de l'entrée en file à la prise).",
        ),
        (
            "Average wait (s)",
            "Queues: mean wait of the answered calls (AgentConnect's HoldTime: from "
            "joining the queue to the answer).",
        ),
    ),
    "avg_handle_s": _d(
        "seconds",
        (
            "Durée moyenne de traitement (s)",
            "Files : moyenne de la durée de conversation des appels terminés "
            "(TalkTime d'AgentComplete) ; voicebot : moyenne de la réponse du robot à "
            "la fin de sa partie de l'appel (raccroché ou remis à une file).",
        ),
        (
            "Average handle time (s)",
            "Queues: mean talk time of the completed calls (AgentComplete's TalkTime); "
            "voicebot: mean time from the bot's answer to the end of its leg (hung up "
            "or handed to a queue).",
        ),
    ),
    # --- callbacks ---
    "callbacks_due": _d(
        "count",
        (
            "Rappels dus",
            "Rappels dont l'échéance promise (due_by) tombe dans la période et est "
            "passée (un rappel pas encore dû n'est pas compté).",
        ),
        (
            "Callbacks due",
            "Callbacks whose promised time (due_by) falls in the period and has passed "
            "(one not yet due is not counted).",
        ),
    ),
    "callbacks_on_time": _d(
        "count",
        (
            "Rappels faits à temps",
            "Rappels dus faits (statut « done ») au plus tard à l'échéance promise.",
        ),
        ("Callbacks on time", "Callbacks due that were done (status 'done') by the promised time."),
    ),
    "callbacks_late": _d(
        "count",
        ("Rappels faits en retard", "Rappels dus faits après l'échéance promise."),
        ("Callbacks late", "Callbacks due that were done after the promised time."),
    ),
    "callbacks_missed": _d(
        "count",
        (
            "Rappels non faits",
            "Rappels dus ni faits à temps ni en retard (en attente, en cours ou échoués).",
        ),
        (
            "Callbacks not made",
            "Callbacks due neither on time nor late (pending, in progress or failed).",
        ),
    ),
    "callbacks_on_time_rate": _d(
        "rate",
        ("Taux de rappels à temps", "Rappels faits à temps ÷ rappels dus."),
        ("Callbacks on time rate", "Callbacks on time ÷ callbacks due."),
    ),
    # --- SMS ---
    "sms_sent": _d(
        "count",
        ("SMS envoyés", "SMS de la file d'envoi au statut « sent », par date d'envoi."),
        ("SMS sent", "Outbox SMS with the status 'sent', by the time sent."),
    ),
    "sms_failed": _d(
        "count",
        (
            "SMS non envoyés",
            "SMS au statut « failed » (le fournisseur a refusé) ou « refused » (un "
            "plafond l'a refusé), par date d'écriture.",
        ),
        (
            "SMS not sent",
            "SMS with the status 'failed' (the provider refused) or 'refused' (a cap "
            "refused it), by the time written.",
        ),
    ),
    # --- cards ---
    "card_id": _d(
        "text",
        ("Fiche", "L'identifiant de la fiche de connaissance."),
        ("Card", "The knowledge card's id."),
    ),
    "desk_uses": _d(
        "count",
        (
            "Utilisations à l'accueil",
            "Dossiers où un agent a utilisé la fiche : marquée « utilisée » pendant "
            "l'appel ou citée à la clôture premier niveau (un dossier compte une fois).",
        ),
        (
            "Desk uses",
            "Cases where an agent used the card: marked 'used' during the call or named "
            "in the first-level wrap-up (one case counts once).",
        ),
    ),
    "pinned": _d(
        "count",
        ("Épinglages", "Fois où un agent a épinglé la fiche pendant un appel."),
        ("Pinned", "Times an agent pinned the card during a call."),
    ),
    "bot_answers": _d(
        "count",
        ("Réponses du robot", "Tours du robot répondus à partir de la fiche."),
        ("Bot answers", "Bot turns answered from the card."),
    ),
    "total_uses": _d(
        "count",
        ("Total", "Utilisations à l'accueil + réponses du robot (le classement)."),
        ("Total", "Desk uses + bot answers (the ranking)."),
    ),
    # --- questions the bot abstained on ---
    "question": _d(
        "text",
        (
            "Question",
            "Ce que l'appelant a dit juste avant que le robot s'abstienne (un tour du "
            "robot sans fiche mais avec une confiance : sa réponse la plus proche n'était "
            "pas assez sûre). Casse et ponctuation ignorées ; les suites de chiffres "
            "(numéros de téléphone) masquées.",
        ),
        (
            "Question",
            "What the caller said just before the bot abstained (a bot turn without a "
            "card but with a confidence: its nearest answer was not sure enough). Case "
            "and punctuation ignored; runs of digits (phone numbers) masked.",
        ),
    ),
    "times": _d(
        "count",
        ("Fois", "Fois où la question a été posée sans réponse dans la période."),
        ("Times", "Times the question went unanswered in the period."),
    ),
    "last_asked": _d(
        "text",
        ("Dernière fois", "Le jour de la dernière fois, à l'heure de la mairie."),
        ("Last asked", "The day of the last time, on the city hall's clock."),
    ),
    # --- transfers against the baseline ---
    "span": _d(
        "text",
        ("Période", "« référence » : la période choisie par la ville ; « actuelle » : la page."),
        ("Period", "'baseline': the period the city chose; 'current': the page's."),
    ),
    "from": _d("text", ("Du", "Premier jour inclus."), ("From", "First day, included.")),
    "to": _d("text", ("Au", "Dernier jour inclus."), ("To", "Last day, included.")),
    "days": _d("count", ("Jours", "Nombre de jours."), ("Days", "Number of days.")),
    "transfers_per_day": _d(
        "per_day",
        ("Transferts par jour", "Transferts (tous canaux) ÷ jours."),
        ("Transfers per day", "Transfers (all channels) ÷ days."),
    ),
    "change": _d(
        "rate",
        (
            "Évolution",
            "Sur la ligne « actuelle » : (valeur actuelle − référence) ÷ référence, pour le "
            "taux de transfert ; −40 % veut dire 40 % de transferts en moins.",
        ),
        (
            "Change",
            "On the 'current' row: (current − baseline) ÷ baseline, for the transfer "
            "rate; −40 % means 40 % fewer transfers.",
        ),
    ),
}


def definition(key: str, lang: str) -> str:
    d = DEFINITIONS[key]
    return (d.en if lang == "en" else d.fr)[1]


def label(key: str, lang: str) -> str:
    d = DEFINITIONS[key]
    return (d.en if lang == "en" else d.fr)[0]
