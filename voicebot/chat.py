"""The same dialog over text: for ``guichet voicebot chat`` and the web chatbot."""

from __future__ import annotations

from voicebot.dialog import (
    Action,
    Callback,
    Dialog,
    DialogConfig,
    Dtmf,
    Event,
    Hangup,
    KnowledgeResult,
    Lookup,
    Say,
    Start,
    Transfer,
    Utterance,
)
from voicebot.frames import Lang
from voicebot.knowledge_port import Knowledge


class TextChat:
    """Synchronous: ``reply(text)`` → what the bot writes back (lookups done inline)."""

    def __init__(self, knowledge: Knowledge, config: DialogConfig, lang: Lang = "fr") -> None:
        self.knowledge = knowledge
        self.dialog = Dialog(config, lang)
        self.lang = lang

    def _run(self, event: Event) -> list[Action]:
        done: list[Action] = []
        pending = self.dialog.handle(event)
        while pending:
            action = pending.pop(0)
            if isinstance(action, Lookup):
                answer = self.knowledge.answer(action.question, action.lang)
                pending = (
                    self.dialog.handle(KnowledgeResult(action.question, answer, action.lang))
                    + pending
                )
            else:
                done.append(action)
        return done

    def start(self) -> list[Action]:
        return self._run(Start())

    def reply(self, text: str) -> list[Action]:
        stripped = text.strip()
        if stripped in {"0", "*", "1", "2"}:
            return self._run(Dtmf(stripped))
        # typed text is read in the conversation's language (the start's, or the one
        # the visitor chose with "2" / "English please")
        return self._run(Utterance(stripped, self.dialog.state.lang))

    @property
    def ended(self) -> bool:
        return self.dialog.ended


def render(action: Action) -> str:
    if isinstance(action, Say):
        return action.text
    if isinstance(action, Transfer):
        return f"[transfer → {action.service or 'accueil'}]"
    if isinstance(action, Callback):
        return f"[callback booked → {action.service or 'accueil'}]"
    if isinstance(action, Hangup):
        return f"[end: {action.reason}]"
    return ""
