"""Dates as the city says them to citizens: written (an SMS) or spoken (a prompt, read
by the voice as it reads everything). One place for day and month names."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

__all__ = ["MONTHS", "WEEKDAYS", "spoken_date"]

WEEKDAYS = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_SHORT_WEEKDAYS = {
    "fr": ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
MONTHS = {
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


def spoken_date(
    moment: datetime, tz: ZoneInfo, lang: str, *, style: Literal["written", "spoken"]
) -> str:
    """``written``: ``mar. 26/11 à 14h00`` / ``Tue 26/11 at 14:00`` (an SMS is short);
    ``spoken``: ``mardi 26 novembre à 14 heures`` / ``Tuesday November 26 at 14:00``."""
    lang = "en" if lang == "en" else "fr"
    local = moment.astimezone(tz)
    if style == "written":
        day = _SHORT_WEEKDAYS[lang][local.weekday()]
        if lang == "en":
            return f"{day} {local:%d/%m} at {local:%H:%M}"
        return f"{day} {local:%d/%m} à {local:%H}h{local:%M}"
    day = WEEKDAYS[lang][local.weekday()]
    month = MONTHS[lang][local.month - 1]
    if lang == "en":
        return f"{day} {month} {local.day} at {local:%H:%M}"
    minutes = f" {local.minute}" if local.minute else ""
    return f"{day} {local.day} {month} à {local.hour} heures{minutes}"
