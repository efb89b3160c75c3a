"""Text written for reading, adapted for the ear (fr + en) before synthesis.

URLs and e-mail addresses are not read out (the details go by SMS or chat);
amounts, times, dates, phone numbers and abbreviations are spoken naturally.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from num2words import num2words  # type: ignore[import-untyped]

from guichet.casefile.wording import MONTHS  # one list of month names, for the ear too
from voicebot.frames import Lang

WEBSITE = {"fr": "sur le site de la ville", "en": "on the city's website"}
EMAIL = {
    "fr": "par courriel, l'adresse est sur le site de la ville",
    "en": "by e-mail, the address is on the city's website",
}


ABBREVIATIONS: dict[str, list[tuple[str, str]]] = {
    "fr": [
        (r"\bMme\b\.?", "Madame"),
        (r"\bMlle\b\.?", "Mademoiselle"),
        (r"\bM\.(?=\s)", "Monsieur"),
        (r"\bDr\b\.?", "docteur"),
        (r"\bn°\s*", "numéro "),
        (r"\bN°\s*", "numéro "),
        (r"\bav\.", "avenue"),
        (r"\bbd\b\.?", "boulevard"),
        (r"\bbis\b", "bis"),
        (r"\bRDV\b", "rendez-vous"),
        (r"\brdv\b", "rendez-vous"),
        (r"\betc\.", "et cetera"),
        (r"\bCNI\b", "carte nationale d'identité"),
        (r"\bCCAS\b", "C C A S"),
        (r"\bmin\b\.?", "minutes"),
        (r"\bhab\.", "habitants"),
        (r"\bp\.\s*ex\.", "par exemple"),
        (r"\blun\.", "lundi"),
        (r"\bmar\.", "mardi"),
        (r"\bmer\.", "mercredi"),
        (r"\bjeu\.", "jeudi"),
        (r"\bven\.", "vendredi"),
        (r"\bsam\.", "samedi"),
        (r"\bdim\.", "dimanche"),
        (r"\bkm\b", "kilomètres"),
        (r"\bTTC\b", "toutes taxes comprises"),
        (r"&", " et "),
        (r"\s*%", " pour cent"),
        (r"\s*\+\s*(?=\D)", " plus "),
    ],
    "en": [
        (r"\bMrs\.", "Missus"),
        (r"\bMr\.", "Mister"),
        (r"\bMs\.", "Miz"),
        (r"\bDr\.", "Doctor"),
        (r"\bSt\.", "Street"),
        (r"\bAve\.", "Avenue"),
        (r"\bNo\.(?=\s*\d)", "number"),
        (r"\bn°\s*", "number "),
        (r"\be\.g\.", "for example"),
        (r"\bi\.e\.", "that is"),
        (r"\betc\.", "et cetera"),
        (r"\bapprox\.", "approximately"),
        (r"\bmin\b\.?", "minutes"),
        (r"\bMon\.", "Monday"),
        (r"\bTue\.", "Tuesday"),
        (r"\bWed\.", "Wednesday"),
        (r"\bThu\.", "Thursday"),
        (r"\bFri\.", "Friday"),
        (r"\bSat\.", "Saturday"),
        (r"\bSun\.", "Sunday"),
        (r"\bkm\b", "kilometres"),
        (r"&", " and "),
        (r"\s*%", " percent"),
    ],
}

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
AMOUNT_RE = re.compile(
    r"(?:€\s?(?P<a>\d[\d\s\u202f]*(?:[.,]\d{1,2})?)"
    r"|(?P<b>\d[\d\u202f]*(?:[ ]\d{3})*(?:[.,]\d{1,2})?)\s?(?:€|euros?\b|EUR\b))"
)
TIME_RANGE_RE = re.compile(
    r"(?<![\d:])(\d{1,2})\s?[hH:](?:\s?(\d{2}))?\s?[-–à]\s?(\d{1,2})\s?[hH:](?:\s?(\d{2}))?(?!\d)"
)
TIME_RE = re.compile(r"(?<![\d:/])(\d{1,2})\s?(?:[hH](?:\s?(\d{2}))?|:(\d{2}))(?![\d\w])")
EN_AMPM_RE = re.compile(r"(?<![\d:])(\d{1,2})(?::(\d{2}))?\s?(a\.?m\.?|p\.?m\.?)", re.IGNORECASE)
DATE_RE = re.compile(r"(?<!\d)(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})(?!\d)")
ISO_DATE_RE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
FR_ORDINAL_RE = re.compile(r"\b(\d+)(?:er|re|ère|e|ème)\b")
EN_ORDINAL_RE = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b")
NUMBER_RE = re.compile(r"(?<![\w])(\d+(?:[.,]\d+)?)(?![\w])")
MARKUP_RE = re.compile(r"[*_`#>]+")
BULLET_RE = re.compile(r"^\s*(?:[-•*]|\d+[.)])\s+", re.MULTILINE)


def _n(value: int, lang: Lang) -> str:
    return str(num2words(value, lang=lang))


def _ordinal(value: int, lang: Lang) -> str:
    return str(num2words(value, lang=lang, to="ordinal"))


def _amount(match: re.Match[str], lang: Lang) -> str:
    raw = (match.group("a") or match.group("b") or "").replace("\u202f", "").replace(" ", "")
    raw = raw.replace(",", ".")
    euros, _, cents = raw.partition(".")
    value = int(euros or 0)
    unit = "euro" if value in (0, 1) else "euros"
    words = f"{_n(value, lang)} {unit}"
    if cents and int(cents.ljust(2, "0")):
        words += f" {_n(int(cents.ljust(2, '0')), lang)}"
    return words


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
    return ", ".join(
        " ".join("oh" if d == "0" else _n(int(d), "en") for d in digits[i : i + 2])
        for i in range(0, len(digits), 2)
    )


def _sub(pattern: re.Pattern[str], text: str, fn: Callable[[re.Match[str]], str | None]) -> str:
    def repl(match: re.Match[str]) -> str:
        out = fn(match)
        return match.group(0) if out is None else out

    return pattern.sub(repl, text)


def for_the_ear(text: str, lang: Lang) -> str:
    """Rewrite ``text`` so a synthetic voice reads it naturally in ``lang``."""
    text = BULLET_RE.sub("", text)
    text = MARKUP_RE.sub("", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)  # markdown links: keep the label
    text = EMAIL_RE.sub(EMAIL[lang], text)
    text = URL_RE.sub(WEBSITE[lang], text)
    text = _sub(PHONE_RE, text, lambda m: _phone(m, lang))
    text = _sub(AMOUNT_RE, text, lambda m: _amount(m, lang))
    text = _sub(ISO_DATE_RE, text, lambda m: _date(int(m[3]), int(m[2]), int(m[1]), lang))
    text = _sub(
        DATE_RE,
        text,
        lambda m: _date(int(m[1]), int(m[2]), int(m[3]) + (2000 if len(m[3]) == 2 else 0), lang),
    )
    if lang == "en":
        text = _sub(
            EN_AMPM_RE,
            text,
            lambda m: (
                _time(
                    int(m[1]) % 12 + (12 if m[3].lower().startswith("p") else 0),
                    int(m[2] or 0),
                    "en",
                )
                + ("." if m[0].endswith(".") else "")
            ),
        )

    def time_range(m: re.Match[str]) -> str | None:
        h1, m1, h2, m2 = int(m[1]), int(m[2] or 0), int(m[3]), int(m[4] or 0)
        if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59:
            return None
        joiner = "à" if lang == "fr" else "to"
        return f"{_time(h1, m1, lang)} {joiner} {_time(h2, m2, lang)}"

    text = _sub(TIME_RANGE_RE, text, time_range)

    def one_time(m: re.Match[str]) -> str | None:
        hour, minute = int(m[1]), int(m[2] or m[3] or 0)
        return _time(hour, minute, lang) if hour <= 24 and minute <= 59 else None

    text = _sub(TIME_RE, text, one_time)
    for pattern, spoken in ABBREVIATIONS[lang]:
        text = re.sub(pattern, spoken, text)
    if lang == "fr":
        text = _sub(
            FR_ORDINAL_RE,
            text,
            lambda m: "premier" if m[1] == "1" else _ordinal(int(m[1]), "fr"),
        )
    else:
        text = _sub(EN_ORDINAL_RE, text, lambda m: _ordinal(int(m[1]), "en"))

    def number(m: re.Match[str]) -> str:
        raw = m[1]
        if "," in raw or "." in raw:
            whole, _, frac = raw.replace(",", ".").partition(".")
            point = "virgule" if lang == "fr" else "point"
            return f"{_n(int(whole), lang)} {point} {_n(int(frac), lang)}"
        return _n(int(raw), lang)

    text = NUMBER_RE.sub(number, text)
    text = re.sub(r"\s*\n+\s*", ". ", text)
    text = re.sub(r"\s+([,.;:!?])", r"\1", text) if lang == "en" else text
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
