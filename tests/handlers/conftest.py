"""Fixtures of the handler tests. The database is real: ``rt`` (tests/conftest.py) migrates
it and installs the runtime that each function's ``handler`` finds with current_runtime()."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.conftest import TenantFixture
from tests.flows import Authorization, new_authorization, query_of
from tests.handlers.lambda_events import SignedIn, invoke, load_event, sign_in_with_events


@dataclass(frozen=True)
class StartedAuthorization:
    auth: Authorization
    interaction: str
    signed_in: SignedIn


@pytest.fixture
def signed_in(acme: TenantFixture) -> StartedAuthorization:
    """alice started an authorization request (authorize_get.json) and signed in."""
    from functions.authorize.app import handler

    auth = new_authorization()
    started = invoke(handler, load_event("authorize_get", CODE_CHALLENGE=auth.challenge))
    assert started.status == 302, started.text
    assert started.location.startswith("/t/acme/login?")
    interaction = query_of(started.location)["interaction"]
    return StartedAuthorization(auth, interaction, sign_in_with_events(interaction, acme.password))
