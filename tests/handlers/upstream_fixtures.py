"""Builders for tests of upstream connections and linked identities on the control plane.

The sign-in flow that links an upstream account to a customer is not what these tests are
about, so ``link_identity`` inserts the row it would leave, directly.
"""

from __future__ import annotations

import uuid
from typing import Any

from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import upstream_identities
from tests.handlers.admin_fixtures import AdminWorld, all_tenants, tenant_by_slug

GITHUB_SECRET = "github-client-secret-8f3a9c2e71d04b6f"


def github_body(**overrides: Any) -> dict[str, Any]:
    """A PUT body for a GitHub connection, with its secret."""
    return {
        "provider": "github",
        "client_id": "Iv1.shopgithubapp",
        "client_secret": GITHUB_SECRET,
        **overrides,
    }


def add_connection(
    w: AdminWorld, slug: str, connection_id: str = "github", who: str = "root", **fields: Any
) -> dict[str, Any]:
    return dict(
        w.ok(
            "PUT",
            f"/orgs/{slug}/connections/{connection_id}",
            who,
            json=github_body(**fields),
            status=201,
        )
    )


def link_identity(
    rt: Runtime,
    slug: str,
    customer_id: str,
    connection_id: str = "github",
    subject: str | None = None,
    email: str | None = None,
) -> str:
    """The row a sign-in through ``connection_id`` leaves for the customer; its id."""
    identity_id = str(uuid.uuid4())
    tenant = tenant_by_slug(rt, slug)
    with all_tenants(), database.write(rt.engine) as conn:
        conn.execute(
            upstream_identities.insert().values(
                id=identity_id,
                tenant_id=tenant.id,
                customer_id=customer_id,
                connection_id=connection_id,
                subject=subject or f"upstream-{identity_id[:8]}",
                email=email,
                linked_at=rt.now(),
                last_used_at=None,
            )
        )
    return identity_id
