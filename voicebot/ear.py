"""Text written for reading, adapted for the ear (fr + en) before synthesis.

URLs and e-mail addresses are not read out (the details go by SMS or chat);
amounts, times, dates, phone numbers and abbreviations are spoken naturally.
Abbreviations that are also words ("mer.", "jeu.", "min.", "St.") are expanded
only where their context says which they are: a weekday next to a time or another
weekday, "min." before a number, "St." before a name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from num2words import num2words  # type: ignore[import-untyped]

from guichet.casefile.wording import MONTHS  # one list of month names, for the ear too
from voicebot.frames import Lang

WEBSITE = {"fr": "sur le site de la ville", "en": "on the city's website"}
EMAIL = {
    "fr": "par courriel, l'adresse est sur le site de la ville",
    "en": "by e-mail, the address is on the city's website",
}


@dataclass(frozen=True, slots=True)
class Abbreviation:
    """A written short form and what is said for it.

    ``title`` marks forms that always stand before a name ("M.", "Dr."): their dot
    never ends a sentence. Any other form whose dot is also the sentence's full stop
    keeps the stop, so that streaming synthesis still cuts the sentence there.
    """

    pattern: str
    spoken: str
    title: bool = False


A = Abbreviation
ABBREVIATIONS: dict[Lang, list[Abbreviation]] = {
    "fr": [
        A(r"\bMme\b\.?", "Madame", title=True),
        A(r"\bMlle\b\.?", "Mademoiselle", title=True),
        A(r"\bMM\.(?=\s)", "Messieurs", title=True),
        A(r"\bM\.(?=\s)", "Monsieur", title=True),
        A(r"\bDr\b\.?", "docteur", title=True),
        A(r"\bSte\b\.?(?=[\s-]+[A-ZÀ-Ý])", "Sainte", title=True),
        A(r"\bSt\b\.?(?=[\s-]+[A-ZÀ-Ý])", "Saint", title=True),
        A(r"\b[nN]°\s*", "numéro ", title=True),
        A(r"\bav\.(?=\s)", "avenue", title=True),
        A(r"\bbd\b\.?", "boulevard", title=True),
        A(r"\bpl\.(?=\s)", "place", title=True),
        A(r"\b[Bb]ât\.", "bâtiment", title=True),
        A(r"\b[Tt]él\b\.?", "téléphone"),
        A(r"\bRDC\b", "rez-de-chaussée"),
        A(r"\b(?:RDV|rdv)\b", "rendez-vous"),
        A(r"\betc\.", "et cetera"),
        A(r"\bCNI\b", "carte nationale d'identité"),
        A(r"\bCCAS\b", "C C A S"),
        A(r"\bSVP\b", "s'il vous plaît"),
        A(r"(?<=\d)\s?(?:min|mn)\b\.?", " minutes"),  # after a number: a duration
        A(r"\b[Mm]in\.(?=\s)", "minimum"),  # before one: a lower bound
        A(r"\b[Mm]ax\.(?=\s)", "maximum"),
        A(r"\b[Ee]nv\.(?=\s)", "environ"),
        A(r"\bhab\.", "habitants"),
        A(r"\bp\.\s*ex\.", "par exemple"),
        A(r"\b[Ee]x\.(?=\s)", "par exemple"),
        A(r"(?<=\d)\s?m²", " mètres carrés"),
        A(r"\bkm\b", "kilomètres"),
        A(r"\bTTC\b", "toutes taxes comprises"),
        A(r"&", " et "),
        A(r"\s*%", " pour cent"),
        A(r"(?:(?<=\s)|^)-\s*(?=de\s+\d)", "moins "),
        A(r"(?:(?<=\s)|^)-\s?(?=\d+\s?ans\b)", "moins de "),  # "les -18 ans"
        A(r"\s*\+\s*(?=\D)", " plus "),
    ],
    "en": [
        A(r"\bMrs\b\.?", "Missus", title=True),
        A(r"\bMr\b\.?", "Mister", title=True),
        A(r"\bMs\b\.?", "Miz", title=True),
        A(r"\bAve\.", "Avenue"),
        A(r"\bRd\b\.?", "Road"),
        A(r"\bNo\.(?=\s*\d)", "number", title=True),
        A(r"\bn°\s*", "number ", title=True),
        A(r"\b[Tt]el\b\.?", "telephone"),
        A(r"\be\.g\.", "for example"),
        A(r"\bi\.e\.", "that is"),
        A(r"\betc\.", "et cetera"),
        A(r"\b[Aa]pprox\.", "approximately"),
        A(r"(?<=\d)\s?mins?\b\.?", " minutes"),
        A(r"(?<=\d)\s?hrs?\b\.?", " hours"),
        A(r"\b[Mm]in\.(?=\s)", "minimum"),
        A(r"\b[Mm]ax\.(?=\s)", "maximum"),
        A(r"\b[Ii]ncl\.", "including"),
        A(r"(?<=\d)\s?m²", " square metres"),
        A(r"\bkm\b", "kilometres"),
        A(r"&", " and "),
        A(r"\s*%", " percent"),
    ],
}
del A

WEEKDAYS: dict[Lang, tuple[str, ...]] = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
# Written short forms of the weekdays, by index into WEEKDAYS.
DAY_SHORT: dict[Lang, dict[str, int]] = {
    "fr": {"lun": 0, "mar": 1, "mer": 2, "jeu": 3, "ven": 4, "sam": 5, "dim": 6},
    "en": {
        "Mon": 0, "Tue": 1, "Tues": 1, "Wed": 2, "Thu": 3, "Thur": 3, "Thurs": 3,
        "Fri": 4, "Sat": 5, "Sun": 6,
    },
}  # fmt: skip
# Short forms that are also words or names ("bord de mer.", "le jeu.", "Sam.", "the sun."):
# a weekday only where the context says so. The others are weekdays wherever they are dotted.
DAY_SHORT_AMBIGUOUS = {"mer", "Mer", "jeu", "Jeu", "Sam", "Wed", "Sat", "Sun"}
# Words of opening hours: a short form right after them is a weekday ("Fermé le mer.").
OPENING_WORDS = r"\b(?:ouvert|ouverte|fermé|fermée|fermeture|sauf|open|closed|except)\b"
# "per month", "par personne": the unit after a slash, and what is said for it.
PER_UNIT: dict[Lang, dict[str, str]] = {
    "fr": {
        "mois": "mois", "an": "an", "année": "année", "semaine": "semaine", "sem": "semaine",
        "jour": "jour", "j": "jour", "heure": "heure", "h": "heure", "nuit": "nuit",
        "personne": "personne", "pers": "personne", "enfant": "enfant", "adulte": "adulte",
    },
    "en": {
        "month": "month", "year": "year", "week": "week", "day": "day", "hour": "hour",
        "hr": "hour", "h": "hour", "night": "night", "person": "person", "child": "child",
        "adult": "adult",
    },
}  # fmt: skip
CURRENCY: dict[str, dict[Lang, tuple[str, str, str, str]]] = {
    # one, many, one hundredth, many hundredths
    "€": {"fr": ("euro", "euros", "centime", "centimes"), "en": ("euro", "euros", "cent", "cents")},
    "£": {"fr": ("livre", "livres", "penny", "pence"), "en": ("pound", "pounds", "penny", "pence")},
}
PHONE_WORDS = (
    r"[Tt]él(?:éphone)?\.?|[Aa]ppelez(?:\s+le)?|[Cc]omposez(?:\s+le)?"
    r"|[Tt]el(?:ephone)?\.?|[Cc]all|[Dd]ial|[Pp]hone"
)
# A year after one of these words is said as a year ("in twenty nineteen").
EN_YEAR_LEAD = r"in|since|until|till|by|from|before|after|of|year"
# Words after which "9h-12h" needs no "de"/"from" in front to be read as a span.
SPAN_LEADS = {"de", "d", "entre", "from", "between", "of"}

URL_RE = re.compile(
    r"(?:(?:\b(?:sur|à|via|at|on)\s+(?:le site\s+|the website\s+)?)?)"
    r"(?:https?://|www\.)[^\s,;!?()]+[^\s.,;:!?()]"
    r"|(?:\b(?:sur|à|via|at|on)\s+)?\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:fr|com|org|net|gouv\.fr|eu)"
    r"(?:/[^\s,;!?()]*[^\s.,;:!?()])?\b",
    re.IGNORECASE,
)
EMAIL_RE = re.compile(
    r"(?:\b(?:à l'adresse|à|to|at)\s+)?\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b", re.IGNORECASE
)
PHONE_RE = re.compile(r"(?<![\d,.])(?:\+33\s?|0)[1-9](?:[\s.-]?\d{2}){4}(?![\d])")
# "0 800 123 456": free and shared-cost numbers are written, and said, in threes.
SPECIAL_PHONE_RE = re.compile(r"(?<![\d,.])0[\s.]?[89]\d{2}(?:[\s.]\d{3}){2}(?!\d)")
SHORT_PHONE_RE = re.compile(
    rf"(?P<lead>\b(?:{PHONE_WORDS})\s*:?\s*)(?P<num>\d{{3,4}})(?![\d\w]|[\s.]\d)"
)
# "24h/24", "7j/7": the same number on both sides of the slash.
ROUND_THE_CLOCK_RE = re.compile(r"(?<![\d/])(\d{1,2})\s?([hj])\s?/\s?(\1)(?![\d/])")
THOUSANDS_RE: dict[Lang, re.Pattern[str]] = {
    "fr": re.compile(r"(?<![\d,.])\d{1,3}(?:[ \u202f\u00a0]\d{3})+(?!\d)"),
    "en": re.compile(r"(?<![\d,.])\d{1,3}(?:,\d{3})+(?!\d|[.,]\d)"),
}
_NUM = r"\d[\d\u202f]*(?:[ ]\d{3})*(?:[.,]\d{1,2})?"
AMOUNT_RE = re.compile(
    rf"(?:(?P<pre>[€£])\s?(?P<a>{_NUM})"
    rf"|(?P<b>{_NUM})\s?(?P<post>[€£]|euros?\b|EUR\b))"
)
TIME_RANGE_RE = re.compile(
    r"(?<![\d:])(\d{1,2})\s?[hH:](?:\s?(\d{2}))?\s?([-–à])\s?(\d{1,2})\s?[hH:](?:\s?(\d{2}))?(?!\d)"
)
# "8h30-12h / 13h30-17h": two spans of one day; the slash is said "et".
_CLOCK = r"\d{1,2}\s?[hH:](?:\s?\d{2})?"
SPAN_SLASH_RE = re.compile(rf"(?<=[hH\d])\s*/\s*(?={_CLOCK}\s?[-–]\s?{_CLOCK})")
TIME_RE = re.compile(r"(?<![\d:/])(\d{1,2})\s?(?:[hH](?:\s?(\d{2}))?|:(\d{2}))(?![\d\w])")
_AMPM = r"(a\.m\.|p\.m\.|am\b|pm\b|a\.m\b|p\.m\b)"
EN_AMPM_RE = re.compile(rf"(?<![\d:.])(\d{{1,2}})(?:[:.](\d{{2}}))?\s?{_AMPM}", re.IGNORECASE)
EN_AMPM_RANGE_RE = re.compile(
    rf"(?<![\d:.])(\d{{1,2}})(?:[:.](\d{{2}}))?\s?(?:{_AMPM})?\s?[-–]\s?"
    rf"(\d{{1,2}})(?:[:.](\d{{2}}))?\s?{_AMPM}",
    re.IGNORECASE,
)
DATE_RE = re.compile(r"(?<!\d)(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})(?!\d)")
ISO_DATE_RE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
# "le 14/03": a day and month without the year; "3/4" with no such sign stays a fraction.
SHORT_DATE_RE = re.compile(r"(?<![\d/.,:])(\d{1,2})/(\d{1,2})(?![\d/]|[.,]\d)")
DATE_LEADS = r"(?:le|du|au|jusqu'au|dès le|et|on|from|until|till|to|by|and|between)"
EN_DAY_MONTH_RE = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({'|'.join(MONTHS['en'])})\b")
FR_ORDINAL_RE = re.compile(r"\b(\d+)(?:er|re|ère|e|ème)\b")
EN_ORDINAL_RE = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b")
EN_YEAR_RE = re.compile(rf"\b({EN_YEAR_LEAD})\s+(1[89]\d\d|20\d\d)\b(?![.,]\d)", re.IGNORECASE)
NUMBER_RE = re.compile(r"(?<![\w])(\d+(?:[.,]\d+)?)(?![\w])")
MARKUP_RE = re.compile(r"[*_`#>]+")
BULLET_RE = re.compile(r"^\s*(?:[-•*]|\d+[.)])\s+", re.MULTILINE)
# A full stop ends a sentence when nothing follows it, or a capitalised word does.
SENTENCE_END_RE = re.compile(r"\s*$|\s+[A-ZÀ-Ý][a-zà-ÿ']")


def _n(value: int, lang: Lang) -> str:
    # num2words writes "one thousand, five hundred": the comma would be read as a pause.
    return str(num2words(value, lang=lang)).replace(",", "")


def _ordinal(value: int, lang: Lang) -> str:
    return str(num2words(value, lang=lang, to="ordinal"))


def _ends_sentence(text: str, end: int) -> bool:
    return SENTENCE_END_RE.match(text, end) is not None


def _amount(match: re.Match[str], lang: Lang) -> str:
    raw = (match.group("a") or match.group("b") or "").replace("\u202f", "").replace(" ", "")
    raw = raw.replace(",", ".")
    symbol = match.group("pre") or match.group("post") or "€"
    one, many, hundredth, hundredths = CURRENCY["£" if symbol == "£" else "€"][lang]
    units, _, fraction = raw.partition(".")
    value = int(units or 0)
    cents = int(fraction.ljust(2, "0")) if fraction else 0
    if value == 0 and cents:
        return f"{_n(cents, lang)} {hundredth if cents == 1 else hundredths}"
    words = f"{_n(value, lang)} {one if value in (0, 1) else many}"
    return f"{words} {_n(cents, lang)}" if cents else words


def _time(hour: int, minute: int, lang: Lang) -> str:
    if lang == "fr":
        if hour == 12 and minute == 0:
            return "midi"
        if hour in (0, 24) and minute == 0:
            return "minuit"
        hours = "une heure" if hour == 1 else f"{_n(hour, 'fr')} heures"
        return hours if minute == 0 else f"{hours} {_n(minute, 'fr')}"
    if hour == 12 and minute == 0:
        return "noon"
    suffix = "a m" if hour < 12 else "p m"
    h12 = hour % 12 or 12
    if minute == 0:
        return f"{_n(h12, 'en')} {suffix}"
    minutes = f"oh {_n(minute, 'en')}" if minute < 10 else _n(minute, "en")
    return f"{_n(h12, 'en')} {minutes} {suffix}"


def _date(day: int, month: int, year: int | None, lang: Lang) -> str | None:
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None
    name = MONTHS[lang][month - 1]
    if lang == "fr":
        spoken = f"{'premier' if day == 1 else _n(day, 'fr')} {name}"
        return spoken + (f" {_n(year, 'fr')}" if year else "")
    spoken = f"{name} {num2words(day, lang='en', to='ordinal')}"
    return spoken + (f", {num2words(year, lang='en', to='year')}" if year else "")


def _phone(match: re.Match[str], lang: Lang) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if digits.startswith("33") and len(digits) == 11:
        digits = "0" + digits[2:]
    if lang == "fr":
        pairs = [digits[i : i + 2] for i in range(0, len(digits), 2)]
        words = []
        for pair in pairs:
            zero = pair[0] == "0"
            words.append(("zéro " + _n(int(pair[1]), "fr")) if zero else _n(int(pair), "fr"))
        return ", ".join(words)
    return ", ".join(_digits(digits[i : i + 2]) for i in range(0, len(digits), 2))


def _digits(digits: str) -> str:
    """English says phone numbers digit by digit, 0 as "oh"."""
    return " ".join("oh" if d == "0" else _n(int(d), "en") for d in digits)


def _special_phone(match: re.Match[str], lang: Lang) -> str:
    groups = [g for g in re.split(r"[\s.]", match.group(0)) if g]
    if groups[0] != "0":  # "0800 123 456": the leading zero is its own group when said
        groups[:1] = ["0", groups[0][1:]]
    if lang == "en":
        return ", ".join(_digits(g) for g in groups)
    return ", ".join("zéro" if g == "0" else _n(int(g), "fr") for g in groups)


def _short_phone(match: re.Match[str], lang: Lang) -> str:
    num = match.group("num")
    if lang == "en":
        spoken = _digits(num)
    elif len(num) == 4:  # "3939" is said "trente-neuf trente-neuf"
        spoken = f"{_n(int(num[:2]), 'fr')} {_n(int(num[2:]), 'fr')}"
    else:
        spoken = _n(int(num), "fr")
    return match.group("lead") + spoken


def _sub(pattern: re.Pattern[str], text: str, fn: Callable[[re.Match[str]], str | None]) -> str:
    def repl(match: re.Match[str]) -> str:
        out = fn(match)
        return match.group(0) if out is None else out

    return pattern.sub(repl, text)


def _with_stop(match: re.Match[str], spoken: str, *, title: bool = False) -> str:
    """``spoken`` for a dotted short form, keeping the dot where it also ends the sentence."""
    dotted = match.group(0).rstrip().endswith(".")
    stop = dotted and not title and _ends_sentence(match.string, match.end())
    return spoken + ("." if stop else "")


def _cased(match: re.Match[str], spoken: str, group: int = 0) -> str:
    """``spoken`` capitalised where the short form starts a sentence ("Max. 20" → "Maximum")."""
    written = match.group(group)
    starts = re.search(r"(?:^|[.!?:]\s*\n?|\n)\s*$", match.string[: match.start(group)])
    acronym = not any(c.islower() for c in written)  # "RDV" says its words as they are
    if starts is not None and written[:1].isupper() and not acronym:
        return spoken[:1].upper() + spoken[1:]
    return spoken


def _abbreviations(text: str, lang: Lang) -> str:
    for abbreviation in ABBREVIATIONS[lang]:
        text = re.sub(
            abbreviation.pattern,
            lambda m, a=abbreviation: _with_stop(  # type: ignore[misc]
                m, _cased(m, a.spoken), title=a.title
            ),
            text,
        )
    if lang == "en":
        text = _sub(EN_TITLE_OR_STREET_RE, text, _en_title_or_street)
    return text


EN_TITLE_OR_STREET_RE = re.compile(r"\b(St|Dr)\b(\.?)")
_EN_ADDRESS_BEFORE_RE = re.compile(r"\d+[A-Za-z]?\s+(?:[A-Z][\w'-]*\s+){1,3}$")


def _en_title_or_street(match: re.Match[str]) -> str:
    """ "St." is Saint before a name, Street after a house number and street name."""
    saint_or_street = {"St": ("Saint", "Street"), "Dr": ("Doctor", "Drive")}[match[1]]
    before = match.string[: match.start()]
    after_address = _EN_ADDRESS_BEFORE_RE.search(before) is not None
    if not after_address and re.match(r"\s+[A-Z]", match.string[match.end() :]):
        return saint_or_street[0]
    return _with_stop(match, saint_or_street[1])


def _day_pattern(lang: Lang) -> str:
    short = "|".join(sorted(DAY_SHORT[lang], key=len, reverse=True))
    return short if lang == "en" else short + "|" + short.title()


def _weekday(written: str, lang: Lang) -> str:
    key = written.rstrip(".")
    if lang == "fr":
        key = key.lower()
    if key in DAY_SHORT[lang]:
        return WEEKDAYS[lang][DAY_SHORT[lang][key]]
    return WEEKDAYS[lang][[d.lower() for d in WEEKDAYS[lang]].index(key.lower())]


def _weekdays(text: str, lang: Lang) -> str:
    """Expand "lun.-ven.", "Mon-Fri", "mer. 14h" where the context says they are days."""
    short = _day_pattern(lang)
    full = "|".join(WEEKDAYS[lang])
    day = rf"(?:(?:{short})\b\.?|(?:{full})\b)"
    span = re.compile(rf"(?<![\w.])({day})\s?[-–]\s?({day})", re.IGNORECASE if lang == "fr" else 0)

    def day_span(m: re.Match[str]) -> str:
        first, last = _weekday(m[1], lang), _weekday(m[2], lang)
        spoken = f"du {first} au {last}" if lang == "fr" else f"{first} to {last}"
        return _with_stop(m, spoken)

    text = span.sub(day_span, text)
    # An ambiguous dotted short form ("mer.", "Sat.") is a weekday when a time, a list or
    # a lowercase word follows it, or a weekday or a time comes before it in the line;
    # otherwise "bord de mer." and "le jeu." are words ending a sentence.
    single = re.compile(rf"(?<![\w.])({short})(\.|(?=\s*\d))")
    context_before = re.compile(
        rf"(?:\b(?:{short})\.|\b(?:{full})\b|\d\s?[hH:]|\d\s?[ap]\.?m\b"
        rf"|{OPENING_WORDS}\s+(?:(?:le|les|on)\s+)?$)",
        re.IGNORECASE,
    )

    def one_day(m: re.Match[str]) -> str | None:
        following = m.string[m.end() :]
        line_before = m.string[: m.start()].rsplit("\n", 1)[-1]
        continues = re.match(r"\s*(?:[-–,/;]|\d|[a-zà-ÿ])", following) is not None
        ambiguous = m[1] in DAY_SHORT_AMBIGUOUS
        if ambiguous and not continues and context_before.search(line_before) is None:
            return None
        return _with_stop(m, _cased(m, _weekday(m[1], lang), 1))

    return _sub(single, text, one_day)


def _span_lead(text: str, start: int, lang: Lang) -> str:
    """ "de "/"from " before a span written with a dash after a word ("Ouvert 9h-12h")."""
    word = re.search(r"([^\W\d_]+)\.?\s*$", text[:start])
    if word is None or word[1].lower() in SPAN_LEADS:
        return ""
    return "de " if lang == "fr" else "from "


def _clock_spans(text: str, lang: Lang) -> str:
    text = SPAN_SLASH_RE.sub(" et " if lang == "fr" else " and ", text)
    if lang == "en":

        def ampm_span(m: re.Match[str]) -> str:
            h1, m1, s1, h2, m2, s2 = m[1], m[2], m[3], m[4], m[5], m[6]
            pm2 = s2.lower().startswith("p")
            hour1, hour2 = int(h1), int(h2)
            if s1:
                pm1 = s1.lower().startswith("p")
            else:  # "9-11am" shares the second's half of the day; "11-1pm" cannot
                pm1 = pm2 if hour1 == 12 or hour1 <= hour2 or hour2 == 12 else not pm2
            first = _time(hour1 % 12 + (12 if pm1 else 0), int(m1 or 0), "en")
            last = _time(hour2 % 12 + (12 if pm2 else 0), int(m2 or 0), "en")
            return _span_lead(m.string, m.start(), lang) + _with_stop(m, f"{first} to {last}")

        text = EN_AMPM_RANGE_RE.sub(ampm_span, text)

        def ampm(m: re.Match[str]) -> str:
            hour = int(m[1]) % 12 + (12 if m[3].lower().startswith("p") else 0)
            return _with_stop(m, _time(hour, int(m[2] or 0), "en"))

        text = EN_AMPM_RE.sub(ampm, text)

    def time_range(m: re.Match[str]) -> str | None:
        h1, m1, h2, m2 = int(m[1]), int(m[2] or 0), int(m[4]), int(m[5] or 0)
        if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59:
            return None
        joiner = "à" if lang == "fr" else "to"
        lead = _span_lead(m.string, m.start(), lang) if m[3] in "-–" else ""
        return f"{lead}{_time(h1, m1, lang)} {joiner} {_time(h2, m2, lang)}"

    text = _sub(TIME_RANGE_RE, text, time_range)

    def one_time(m: re.Match[str]) -> str | None:
        hour, minute = int(m[1]), int(m[2] or m[3] or 0)
        return _time(hour, minute, lang) if hour <= 24 and minute <= 59 else None

    return _sub(TIME_RE, text, one_time)


def _dates(text: str, lang: Lang) -> str:
    text = _sub(ISO_DATE_RE, text, lambda m: _date(int(m[3]), int(m[2]), int(m[1]), lang))
    text = _sub(
        DATE_RE,
        text,
        lambda m: _date(int(m[1]), int(m[2]), int(m[3]) + (2000 if len(m[3]) == 2 else 0), lang),
    )

    def short_date(m: re.Match[str]) -> str | None:
        led = re.search(rf"\b{DATE_LEADS}\s*$", m.string[: m.start()], re.IGNORECASE)
        if len(m[2]) < 2 and led is None:
            return None
        return _date(int(m[1]), int(m[2]), None, lang)

    text = _sub(SHORT_DATE_RE, text, short_date)
    if lang == "en":
        text = _sub(
            EN_DAY_MONTH_RE,
            text,
            lambda m: (
                f"the {_ordinal(int(m[1]), 'en')} of {m[2]}" if 1 <= int(m[1]) <= 31 else None
            ),
        )
    return text


def _per_unit(text: str, lang: Lang) -> str:
    units = PER_UNIT[lang]
    names = "|".join(sorted(units, key=len, reverse=True))
    pattern = re.compile(rf"(?<=[^\W\d_])\s?/\s?({names})(?![\w])(\.?)")
    per = "par" if lang == "fr" else "per"
    return pattern.sub(lambda m: " " + _with_stop(m, f"{per} {units[m[1]]}"), text)


def _round_the_clock(m: re.Match[str]) -> str:
    unit = "heures" if m[2] == "h" else "jours"
    return f"{_n(int(m[1]), 'fr')} {unit} sur {_n(int(m[3]), 'fr')}"


def _number(m: re.Match[str], lang: Lang) -> str:
    raw = m[1]
    if "," in raw or "." in raw:
        whole, _, frac = raw.replace(",", ".").partition(".")
        point = "virgule" if lang == "fr" else "point"
        return f"{_n(int(whole), lang)} {point} {_n(int(frac), lang)}"
    return _n(int(raw), lang)


def for_the_ear(text: str, lang: Lang) -> str:
    """Rewrite ``text`` so a synthetic voice reads it naturally in ``lang``."""
    text = BULLET_RE.sub("", text)
    text = MARKUP_RE.sub("", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)  # markdown links: keep the label
    text = EMAIL_RE.sub(EMAIL[lang], text)
    text = URL_RE.sub(WEBSITE[lang], text)
    if lang == "fr":
        text = ROUND_THE_CLOCK_RE.sub(_round_the_clock, text)  # "24h/24", "7j/7"
    else:
        text = re.sub(r"(?<![\d/])24/7(?![\d/])", "twenty-four seven", text)
    text = _sub(SPECIAL_PHONE_RE, text, lambda m: _special_phone(m, lang))
    text = _sub(PHONE_RE, text, lambda m: _phone(m, lang))
    text = _sub(SHORT_PHONE_RE, text, lambda m: _short_phone(m, lang))
    text = THOUSANDS_RE[lang].sub(lambda m: re.sub(r"\D", "", m[0]), text)
    text = _sub(AMOUNT_RE, text, lambda m: _amount(m, lang))
    text = _dates(text, lang)
    text = _weekdays(text, lang)
    text = _clock_spans(text, lang)
    text = _abbreviations(text, lang)
    text = _per_unit(text, lang)
    if lang == "fr":
        text = _sub(
            FR_ORDINAL_RE,
            text,
            lambda m: "premier" if m[1] == "1" else _ordinal(int(m[1]), "fr"),
        )
    else:
        text = _sub(EN_ORDINAL_RE, text, lambda m: _ordinal(int(m[1]), "en"))
        text = EN_YEAR_RE.sub(
            lambda m: f"{m[1]} {num2words(int(m[2]), lang='en', to='year')}", text
        )
    text = NUMBER_RE.sub(lambda m: _number(m, lang), text)
    text = re.sub(r"\s*\n+\s*", ". ", text)
    text = re.sub(r"\s+([,.;:!?])", r"\1", text) if lang == "en" else text
    text = re.sub(r"([(\[])\s+", r"\1", text)
    text = re.sub(r"([.!?])\s*\.", r"\1", text)
    return re.sub(r"[ \t]+", " ", text).strip()


SENTENCE_RE = re.compile(r"(?<=[.!?…;])\s+")


def split_sentences(text: str, max_chars: int = 180, first_max_chars: int = 0) -> list[str]:
    """Sentences for streaming synthesis; long ones split at commas.

    ``first_max_chars`` bounds the first chunk (cut at a comma, else between words)
    so that the first audio leaves sooner with a slow voice.
    """
    out: list[str] = []
    for part in SENTENCE_RE.split(text.strip()):
        sentence = part.strip()
        if not sentence:
            continue
        while len(sentence) > max_chars:
            cut = sentence.rfind(",", 0, max_chars)
            if cut < max_chars // 3:
                cut = sentence.rfind(" ", 0, max_chars)
            if cut <= 0:
                break
            out.append(sentence[:cut].strip())
            sentence = sentence[cut + 1 :].strip()
        if sentence:
            out.append(sentence)
    if first_max_chars and out and len(out[0]) > first_max_chars:
        head = out[0]
        cut = head.rfind(",", 0, first_max_chars)
        if cut < 8:
            cut = head.rfind(" ", 25, first_max_chars)
        if cut > 0:
            out[:1] = [head[:cut].strip(), head[cut + 1 :].strip()]
    return out
