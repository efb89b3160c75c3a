"""A summary for the next person (reception, expert, whoever calls back): the topic,
what the caller asked, what they were already told, the number to call.

The template is built from the structured facts and is always available. An optional
OpenAI-compatible endpoint may write a smoother text; the template stands in whenever
that endpoint fails, is slow, or drops the phone number (the one fact the next person
cannot do without).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from guichet.casefile.phone_numbers import digits_of, format_national
from guichet.casefile.records import CaseFile, Speaker
from guichet.settings import Settings

log = logging.getLogger(__name__)

QUESTION_CHARS = 200
ANSWER_CHARS = 160
LLM_MAX_CHARS = 1500


@dataclass(frozen=True)
class SummaryFacts:
    language: str
    topic: str | None
    service: str | None
    first_question: str | None
    last_question: str | None  # None when the caller said one thing only
    answers: tuple[str, ...]  # what the bot/agent already told the caller
    number: str | None  # E.164
    outcome: str


@dataclass(frozen=True)
class Summary:
    text: str
    source: Literal["template", "llm"]


def trim(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


def facts_of(case_file: CaseFile) -> SummaryFacts:
    case = case_file.case
    asked = [t.text for t in case_file.turns if t.speaker is Speaker.CALLER and t.text.strip()]
    # an answer is a turn by the city side that answered from a card; prompts such as
    # "Pouvez-vous répéter ?" carry no card and are not what the next person needs
    answers = [
        t.text
        for t in case_file.turns
        if t.speaker in (Speaker.BOT, Speaker.AGENT, Speaker.EXPERT) and t.card_id and t.text
    ]
    topic = case.topic_title
    if topic is None and case_file.proposals:
        best = max(case_file.proposals, key=lambda p: p.confidence)
        topic = best.title or best.card_id
    return SummaryFacts(
        language=case.language,
        topic=topic,
        service=case.service,
        first_question=trim(asked[0], QUESTION_CHARS) if asked else None,
        last_question=trim(asked[-1], QUESTION_CHARS) if len(asked) > 1 else None,
        answers=tuple(trim(a, ANSWER_CHARS) for a in answers[-2:]),
        number=case.caller_number,
        outcome=case.outcome.value,
    )


_LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "topic": "Objet",
        "unknown_topic": "non identifié",
        "service": "service",
        "asked": "Demande",
        "then": "puis",
        "nothing_asked": "rien de transcrit",
        "answered": "Déjà répondu",
        "nothing_answered": "rien",
        "number": "Numéro",
        "no_number": "inconnu (numéro masqué)",
        "quote": "« {} »",
    },
    "en": {
        "topic": "Topic",
        "unknown_topic": "not identified",
        "service": "service",
        "asked": "Asked",
        "then": "then",
        "nothing_asked": "nothing transcribed",
        "answered": "Already answered",
        "nothing_answered": "nothing",
        "number": "Number",
        "no_number": "unknown (withheld)",
        "quote": '"{}"',
    },
}


def template_summary(facts: SummaryFacts) -> str:
    """The deterministic summary: four labelled lines, in the case's language."""
    words = _LABELS.get(facts.language, _LABELS["fr"])
    quote = words["quote"].format
    sep = ": " if facts.language == "en" else " : "  # French puts a space before colons
    topic = facts.topic or words["unknown_topic"]
    if facts.service:
        topic += f" ({words['service']}{sep}{facts.service})"
    if facts.first_question is None:
        asked = words["nothing_asked"]
    else:
        asked = quote(facts.first_question)
        if facts.last_question:
            asked += f", {words['then']} {quote(facts.last_question)}"
    answered = " / ".join(quote(a) for a in facts.answers) or words["nothing_answered"]
    number = format_national(facts.number) if facts.number else words["no_number"]
    return "\n".join(
        [
            f"{words['topic']}{sep}{topic}",
            f"{words['asked']}{sep}{asked}",
            f"{words['answered']}{sep}{answered}",
            f"{words['number']}{sep}{number}",
        ]
    )


def _prompt(facts: SummaryFacts, template: str) -> list[dict[str, str]]:
    language = "English" if facts.language == "en" else "French"
    system = (
        f"You write case notes for a city hall, in {language}. In at most four short "
        "sentences say the topic, what the citizen asked, what they were already told, "
        "and the phone number to call back, copied exactly. Do not invent facts."
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": template}]


def _llm_text_ok(text: str, facts: SummaryFacts) -> bool:
    if not text.strip() or len(text) > LLM_MAX_CHARS:
        return False
    if facts.number:
        national = digits_of(format_national(facts.number))
        found = digits_of(text)
        # the number must survive whatever way the model writes it (+33 6…, 06 …)
        return national in found or digits_of(facts.number) in found
    return True


class Summarizer:
    """Writes summaries. With no ``llm_url`` it only uses the template."""

    def __init__(
        self,
        llm_url: str | None = None,
        model: str = "default",
        timeout_s: float = 4.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.llm_url = llm_url
        self.model = model
        self.timeout_s = timeout_s
        self._client = client

    @classmethod
    def from_settings(cls, settings: Settings) -> Summarizer:
        return cls(
            settings.summary_llm_url, settings.summary_llm_model, settings.summary_llm_timeout_s
        )

    async def summarize(self, case_file: CaseFile) -> Summary:
        facts = facts_of(case_file)
        template = template_summary(facts)
        if not self.llm_url:
            return Summary(template, "template")
        try:
            text = await asyncio.wait_for(self._ask_llm(facts, template), self.timeout_s)
        except Exception as exc:  # any failure means: use the template
            # the exception text may quote the prompt (personal data): log its type only
            log.warning("summary LLM failed (%s); template used", type(exc).__name__)
            return Summary(template, "template")
        if not _llm_text_ok(text, facts):
            log.warning("summary LLM output rejected (empty, too long or no number)")
            return Summary(template, "template")
        return Summary(text.strip(), "llm")

    async def _ask_llm(self, facts: SummaryFacts, template: str) -> str:
        assert self.llm_url is not None
        url = self.llm_url.rstrip("/")
        if not url.endswith("/chat/completions"):
            url += "/chat/completions"
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": _prompt(facts, template),
            "temperature": 0,
            "max_tokens": 300,
        }
        if self._client is not None:
            response = await self._client.post(url, json=payload, timeout=self.timeout_s)
        else:
            async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                response = await client.post(url, json=payload)
        response.raise_for_status()
        content = response.json()["choices"][0]["message"]["content"]
        if not isinstance(content, str):
            raise TypeError("completion content is not text")
        return content
