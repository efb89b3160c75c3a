"""The case summary written when a call goes to people (a queue, a callback): what
was asked and answered, so that nobody asks the caller again."""

from __future__ import annotations

import logging

from guichet.casefile.repository import CaseRepository
from guichet.casefile.summary import Summarizer
from pbx.calls.session import CallSession

__all__ = ["write_summary"]

log = logging.getLogger(__name__)


async def write_summary(
    cases: CaseRepository, summarizer: Summarizer, call: CallSession
) -> str | None:
    """Summarise the call's case for the person who takes it over (best effort)."""
    if not call.case_id:
        return None
    try:
        case_file = await cases.get_case(call.case_id)
        summary = await summarizer.summarize(case_file)
        await cases.set_summary(call.case_id, summary.text)
    except Exception:
        log.exception("call %s: no case summary", call.call_id)
        return None
    return summary.text
