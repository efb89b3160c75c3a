"""What the callback flow says on the phone, in the caller's language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from guichet.casefile.wording import spoken_date

__all__ = ["MESSAGES", "message", "refusal", "spoken_due", "spoken_reference"]

MESSAGES = {
    "fr": {
        "sorry": "Veuillez nous excuser pour cette interruption.",
        "confirm": "Un agent de la mairie peut vous rappeler au {number}. Tapez 1 pour "
        "confirmer, ou tapez un autre numéro suivi de la touche dièse.",
        "ask": "Tapez le numéro auquel vous rappeler, suivi de la touche dièse.",
        "invalid": "Ce numéro n'est pas valide.",
        "not_assigned": "Ce numéro n'existe pas. Vérifiez-le et tapez-le à nouveau.",
        "premium": "Nous ne pouvons pas rappeler un numéro spécial ou surtaxé.",
        "special": "Nous ne pouvons pas rappeler ce type de numéro.",
        "short_code": "Nous ne pouvons pas rappeler un numéro court.",
        "international_not_allowed": "Nous ne rappelons que les numéros français.",
        "country_not_allowed": "Nous ne rappelons pas les numéros de ce pays.",
        "failed": "Je n'ai pas pu enregistrer de demande de rappel. Merci de rappeler la "
        "mairie aux heures d'ouverture. Au revoir.",
        "booked": "C'est noté. Votre référence est {reference}. Un agent vous rappellera "
        "au plus tard {when}.{sms} Au revoir.",
        "sms": " Vous allez recevoir un SMS de confirmation.",
    },
    "en": {
        "sorry": "We apologise for the interruption.",
        "confirm": "A city hall agent can call you back on {number}. Press 1 to confirm, "
        "or key in another number followed by the hash key.",
        "ask": "Please key in the number to call you back on, followed by the hash key.",
        "invalid": "That number is not valid.",
        "not_assigned": "That number does not exist. Please check it and key it in again.",
        "premium": "We cannot call back a special or premium-rate number.",
        "special": "We cannot call back that kind of number.",
        "short_code": "We cannot call back a short number.",
        "international_not_allowed": "We only call back French numbers.",
        "country_not_allowed": "We do not call back numbers in that country.",
        "failed": "I could not book a callback. Please call the city hall again during "
        "opening hours. Goodbye.",
        "booked": "Done. Your reference is {reference}. An agent will call you back by "
        "{when}.{sms} Goodbye.",
        "sms": " You will receive a confirmation text message.",
    },
}


def message(key: str, lang: str) -> str:
    return MESSAGES["en" if lang == "en" else "fr"][key]


# InvalidNumber reasons with a prompt of their own; the others say "invalid"
_REFUSALS = (
    "not_assigned",
    "premium",
    "special",
    "short_code",
    "international_not_allowed",
    "country_not_allowed",
)


def refusal(reason: str, lang: str) -> str:
    """What the caller hears when the number keyed in is refused, by the reason
    (``InvalidNumber.reason``): a caller who knows why can key in another one."""
    return message(reason if reason in _REFUSALS else "invalid", lang)


def spoken_reference(reference: str) -> str:
    """``CB-4K7Q2`` → ``C B, 4 K 7 Q 2``: letter by letter, never as a word."""
    head, _, tail = reference.partition("-")
    return f"{' '.join(head)}, {' '.join(tail)}" if tail else " ".join(reference)


def spoken_due(due_by: datetime, tz: ZoneInfo, lang: str) -> str:
    """When the callback is due, as said on the phone."""
    return spoken_date(due_by, tz, lang, style="spoken")
