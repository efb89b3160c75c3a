"""Logging set-up. Personal data (phone numbers, transcripts) never goes into a log
message: log call ids, and pass numbers through :func:`mask_number`."""

from __future__ import annotations

import logging


def setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    # request lines carry channel ids and URLs, not news: keep them out of INFO
    for noisy in ("httpx", "httpcore", "websockets", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def mask_number(number: str | None) -> str:
    """``+33612345678`` -> ``+336…78``: enough to tell calls apart, not to dial."""
    if not number:
        return "<none>"
    if len(number) <= 4:
        return "…"
    return f"{number[:4]}…{number[-2:]}"
