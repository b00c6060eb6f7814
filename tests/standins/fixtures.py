"""Pytest fixtures for the upstream stand-ins, registered for the whole suite by
tests/conftest.py (``pytest_plugins``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.standins.github import GitHubStandIn
from tests.standins.microsoft import MicrosoftStandIn
from tests.standins.oidc_upstream import OidcUpstream, OidcUpstreamFactory, start_oidc_upstream


@pytest.fixture
def github_standin() -> Iterator[GitHubStandIn]:
    """A fresh GitHub stand-in (no apps, no users) on its own port; cheap to start."""
    standin = GitHubStandIn.start()
    try:
        yield standin
    finally:
        standin.stop()


@pytest.fixture
def microsoft_standin() -> Iterator[MicrosoftStandIn]:
    """A fresh Microsoft identity platform stand-in (no apps, no account signed in) on its
    own port; cheap to start (its signing key is made once per process)."""
    standin = MicrosoftStandIn.start()
    try:
        yield standin
    finally:
        standin.stop()


@pytest.fixture
def oidc_upstream_factory() -> Iterator[OidcUpstreamFactory]:
    """Starts node ``oidc-provider`` upstreams on demand (the test knows the redirect URI
    only once its idgate server has a port) and stops them all at teardown."""
    started: list[OidcUpstream] = []

    def start(
        *,
        clients: list[dict[str, Any]],
        accounts: dict[str, dict[str, Any]],
        access_token_ttl: int = 3600,
        claims_in_id_token: bool = False,
    ) -> OidcUpstream:
        upstream = start_oidc_upstream(
            clients=clients,
            accounts=accounts,
            access_token_ttl=access_token_ttl,
            claims_in_id_token=claims_in_id_token,
        )
        started.append(upstream)
        return upstream

    yield start
    for upstream in started:
        upstream.stop()
