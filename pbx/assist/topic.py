"""Which of the caller's words live assist looks cards up from: the newest line decides.

A caller moves from topic to topic; the cards of the text of their last lines joined
are a mix of the old topic and the new one. So the newest final line is looked up
alone first, and when the knowledge base is confident on it by its own rule (the top
card reaches the operating point, as for the voicebot: ``CardHits.reliable``) those
are the cards. Only when it is not (a short follow-up such as "et pour un mineur ?",
"il faut prendre rendez-vous ?", or a question cut in two lines by a pause) do the
lines before it help: the newest line is looked up again with them as context. The
rule itself is the knowledge base's (``knowledge.cards_for``), shared with the desk's
"refresh" button; this module keeps the call's lines and where its topic starts.

The context is the current topic's lines only: a line that was enough on its own
starts a topic, and the lines before it belong to an earlier one.
"""

from __future__ import annotations

from collections import deque

__all__ = ["CallerLines"]


class CallerLines:
    """The caller's last ``keep`` final lines (the newest included), numbered from 1,
    and where the current topic starts. Event-loop side only (not thread-safe)."""

    def __init__(self, keep: int) -> None:
        self._lines: deque[tuple[int, str]] = deque(maxlen=keep)
        self._count = 0
        self._topic_from = 1

    def __bool__(self) -> bool:
        return bool(self._lines)

    def __len__(self) -> int:
        return len(self._lines)

    def add(self, text: str) -> int:
        """Keeps ``text``; its number, for :meth:`context` and :meth:`starts_topic`."""
        self._count += 1
        self._lines.append((self._count, text))
        return self._count

    @property
    def newest(self) -> tuple[int, str]:
        return self._lines[-1]

    def context(self, number: int) -> tuple[str, ...]:
        """The kept lines of the current topic said before line ``number``."""
        return tuple(t for n, t in self._lines if self._topic_from <= n < number)

    def starts_topic(self, number: int) -> None:
        """Line ``number`` was enough on its own: the lines before it are no context
        for the lines after it (a lookup that ends late moves nothing back)."""
        self._topic_from = max(self._topic_from, number)
