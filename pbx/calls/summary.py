"""The case summary written when a call goes to people (a queue, a callback): what
was asked and answered, so that nobody asks the caller again.

The caller waits while it is written: the whole of it (reading the case, an LLM's
text, saving it) gets the call's summary time-out. Past it, or when the LLM part
fails, the template (built from the case, at once) stands in; when even the case
cannot be read or saved, the call goes on without one."""

from __future__ import annotations

import asyncio
import logging

from guichet.casefile.records import CaseFile
from guichet.casefile.repository import CaseRepository
from guichet.casefile.summary import Summarizer, facts_of, template_summary
from pbx.calls.errors import describe_failure
from pbx.calls.session import CallSession, within

__all__ = ["write_summary"]

log = logging.getLogger(__name__)


async def write_summary(
    cases: CaseRepository, summarizer: Summarizer, call: CallSession
) -> str | None:
    """Summarise the call's case for the person who takes it over (best effort)."""
    if not call.case_id:
        return None
    budget = call.timeouts.summary_s
    loop = asyncio.get_running_loop()
    deadline = loop.time() + budget
    try:
        case_file = await within(cases.get_case(call.case_id), budget)
        text = await _text(summarizer, case_file, deadline - loop.time(), call.call_id)
        await within(cases.set_summary(call.case_id, text), call.timeouts.store_s)
    except Exception as exc:
        log.warning("call %s: no case summary (%s)", call.call_id, describe_failure(exc))
        return None
    return text


async def _text(summarizer: Summarizer, case_file: CaseFile, left_s: float, call_id: str) -> str:
    try:
        summary = await within(summarizer.summarize(case_file), max(0.0, left_s))
    except Exception as exc:
        log.warning("call %s: summary %s; template used", call_id, describe_failure(exc))
        return template_summary(facts_of(case_file))
    return summary.text
