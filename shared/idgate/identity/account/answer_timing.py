"""Answering a request for an address without an account as slowly as one for an address
with one.

The pages that must answer the same for every address (email sign-in here) do more work
when the address has an account: they issue a token and send a mail after the transaction
(an outbox row locally, a call to SES on AWS). Someone timing the answers could tell the
two apart: a few milliseconds on PostgreSQL, tens against SES. So the process remembers how
long its recent answers for addresses with an account took, per kind of request, and an
answer for an address without one waits until it has taken as long. The median of the last
``SAMPLES``: one slow answer (the first, which loads the mail templates) does not skew it.
"""

from __future__ import annotations

import statistics
import time
from collections import deque

from idgate.kernel.runtime import Runtime

SAMPLES = 16


class AnswerTimes:
    """How long this process's recent answers of one kind took, in seconds."""

    def __init__(self) -> None:
        self._recent: deque[float] = deque(maxlen=SAMPLES)

    def note(self, seconds: float) -> None:
        self._recent.append(seconds)

    def typical(self) -> float:
        recent = list(self._recent)  # a copy: other threads append meanwhile
        return statistics.median(recent) if recent else 0.0


def answer_started() -> float:
    """The moment an answer started, for ``note_answer`` and ``wait_as_if_answered``."""
    return time.perf_counter()


def note_answer(rt: Runtime, kind: str, started: float) -> None:
    """An answer of ``kind`` that did the full work (a mail sent) is done."""
    _answer_times(rt, kind).note(time.perf_counter() - started)


def wait_as_if_answered(rt: Runtime, kind: str, started: float) -> None:
    """Take until an answer of ``kind`` started at ``started`` has taken as long as one
    that does the full work typically does."""
    remaining = _answer_times(rt, kind).typical() - (time.perf_counter() - started)
    if remaining > 0:
        time.sleep(remaining)


def _answer_times(rt: Runtime, kind: str) -> AnswerTimes:
    return rt.resource(f"answer_times:{kind}", AnswerTimes)
