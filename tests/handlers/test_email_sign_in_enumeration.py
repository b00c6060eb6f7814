"""No user enumeration through email sign-in (issue #11): asking for a sign-in link answers
the same status, the same page (but for its CSRF token and the token id, random either
way) and, within noise, in the same time for an existing and an unknown email."""

from __future__ import annotations

import math
import re
import statistics
import time

from idgate.kernel.runtime import Runtime
from tests.conftest import FakeClock, TenantFixture
from tests.flows import Browser, hidden
from tests.handlers.email_sign_in_fixtures import (
    ASK,
    UNKNOWN_EMAIL,
    ask_for_sign_in,
    email_browser,
    mail_count,
    start_authorization,
)

__all__ = ["email_browser"]  # the fixture, used by name

ROUNDS = 30
WARM_UP = 3
MEASUREMENTS = 3


def _without_random_values(page: str) -> str:
    for field in ("csrf_token", "id"):
        page = re.sub(rf'name="{field}" value="[^"]*"', f'name="{field}" value=""', page)
    return page


def test_email_sign_in_answers_the_same_status_and_page_for_existing_and_unknown_emails(
    rt: Runtime, email_browser: Browser, acme: TenantFixture
) -> None:
    _, interaction = start_authorization(email_browser)

    existing = ask_for_sign_in(email_browser, acme.email, interaction)
    unknown = ask_for_sign_in(email_browser, UNKNOWN_EMAIL, interaction)

    assert mail_count(rt, acme.email) == 1 and mail_count(rt, UNKNOWN_EMAIL) == 0
    assert existing.status_code == unknown.status_code == 200
    assert hidden(existing.text, "id") != hidden(unknown.text, "id")
    assert _without_random_values(existing.text) == _without_random_values(unknown.text)
    assert existing.headers.keys() == unknown.headers.keys()


def _timed_request(browser: Browser, form: dict[str, str]) -> float:
    started = time.perf_counter()
    answer = browser.post(ASK, form)
    elapsed = time.perf_counter() - started
    assert answer.status_code == 200, answer.text
    return elapsed


def _time_difference(
    rt: Runtime, clock: FakeClock, browser: Browser, emails: tuple[str, str]
) -> tuple[float, str]:
    """How far beyond noise the answer times for the two emails differ, and what was seen.
    Compared in pairs, one request for each email in a row, so that a slow moment of the
    machine weighs on both alike; the order alternates."""
    csrf = hidden(browser.get(ASK).text, "csrf_token")
    differences, times = [], []
    for round_number in range(WARM_UP + ROUNDS):
        clock.advance(rt.settings.account_request_window_seconds)  # a fresh request limit
        pair = {}
        for email in emails if round_number % 2 else emails[::-1]:
            pair[email] = _timed_request(browser, {"csrf_token": csrf, "email": email})
        if round_number >= WARM_UP:
            differences.append(pair[emails[0]] - pair[emails[1]])
            times.extend(pair.values())
    difference = statistics.median(differences)
    quartiles = statistics.quantiles(differences, n=4)
    # Within noise: the median difference is within the spread of the differences' median
    # (about 1.5 interquartile ranges over the square root of the count), a tenth of the
    # median answer time, or a millisecond, whichever is most.
    spread = 1.5 * (quartiles[2] - quartiles[0]) / math.sqrt(len(differences))
    noise = max(spread, 0.1 * statistics.median(times), 0.001)
    seen = f"median difference {difference * 1000:.2f} ms, noise {noise * 1000:.2f} ms"
    return abs(difference) - noise, seen


def test_email_sign_in_answers_existing_and_unknown_emails_in_the_same_time(
    rt: Runtime, clock: FakeClock, email_browser: Browser, acme: TenantFixture
) -> None:
    # Measured up to three times: a busy machine may disturb one measurement, while a real
    # difference shows in each.
    seen = []
    for _ in range(MEASUREMENTS):
        beyond_noise, measured = _time_difference(
            rt, clock, email_browser, (acme.email, UNKNOWN_EMAIL)
        )
        seen.append(measured)
        if beyond_noise <= 0:
            return
    raise AssertionError(f"existing against unknown email: {'; '.join(seen)}")
