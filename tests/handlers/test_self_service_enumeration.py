"""No user enumeration at sign-up and forgot password (OWASP Authentication Cheat Sheet):
for an email that belongs to a customer and one that does not, the same status, the same
page (but for the CSRF token and the address typed, which it repeats) and, within noise,
the same time. Passwords are hashed with the real Argon2id parameters, since the cost of
the hash is what a taken email must not skip."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import httpx
import pytest

from idgate.kernel.runtime import Runtime
from tests.conftest import FakeClock, TenantFixture
from tests.flows import Browser, hidden
from tests.handlers.self_service_fixtures import NEW_PASSWORD, Answer, authorize_pages, configure

ROUNDS = 9
# The medians may differ by this share of the slower one, or by this many seconds: what
# separates the two paths (a row or two more) is far below either.
RELATIVE_NOISE = 0.25
ABSOLUTE_NOISE = 0.015


@pytest.fixture
def pages(rt: Runtime, acme: TenantFixture) -> Browser:
    configure(rt, "acme", sign_up="open")
    return authorize_pages()


def _timed_post(
    pages: Browser, form_url: str, action: str, **fields: str
) -> tuple[float, httpx.Response]:
    page = pages.get(form_url)
    form = {"csrf_token": hidden(page.text, "csrf_token"), "interaction": "", **fields}
    started = time.perf_counter()
    response = pages.post(action, form)
    elapsed = time.perf_counter() - started
    return elapsed, response


def _compare(
    pages: Browser,
    clock: FakeClock,
    rt: Runtime,
    ask: Callable[[str], tuple[float, httpx.Response]],
    existing: str,
) -> None:
    answers: dict[str, set[Answer]] = {"existing": set(), "unknown": set()}
    times: dict[str, list[float]] = {"existing": [], "unknown": []}
    ask("warm-up@example.com")  # the first request of a process loads what later ones reuse
    for round_ in range(ROUNDS):
        # A new window each round, so the request limits never answer instead.
        clock.advance(rt.settings.account_request_window_seconds + 1)
        for kind, email in (("existing", existing), ("unknown", f"nobody{round_}@example.com")):
            elapsed, response = ask(email)
            answers[kind].add(Answer.of(response, email))
            times[kind].append(elapsed)
    assert len(answers["existing"]) == 1 and answers["existing"] == answers["unknown"]
    (answer,) = answers["existing"]
    assert answer.status == 200 and "Check your email" in answer.body
    slow, fast = sorted((statistics.median(times["existing"]), statistics.median(times["unknown"])))
    assert slow - fast <= max(RELATIVE_NOISE * slow, ABSOLUTE_NOISE), times


def test_sign_up_answers_a_taken_and_a_new_email_alike(
    pages: Browser, rt: Runtime, clock: FakeClock, acme: TenantFixture
) -> None:
    def ask(email: str) -> tuple[float, httpx.Response]:
        return _timed_post(
            pages, "/t/acme/signup", "/t/acme/signup", name="N", email=email, password=NEW_PASSWORD
        )

    _compare(pages, clock, rt, ask, acme.email)


def test_forgot_password_answers_a_customer_and_a_stranger_alike(
    pages: Browser, rt: Runtime, clock: FakeClock, acme: TenantFixture
) -> None:
    def ask(email: str) -> tuple[float, httpx.Response]:
        return _timed_post(pages, "/t/acme/password/forgot", "/t/acme/password/forgot", email=email)

    _compare(pages, clock, rt, ask, acme.email)
