"""What the sign-in page offers besides the password form: a "Continue with {name}" per
enabled connection, and, when an upstream account waits for proof that it belongs to the
existing customer with its email, which connection that is (its button is left out: the
customer must prove it another way)."""

from __future__ import annotations

from dataclasses import dataclass

from idgate.identity.upstream.connections import enabled_connections
from idgate.identity.upstream.linking import pending_link
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.tenancy.tenants import Tenant


@dataclass(frozen=True)
class UpstreamChoice:
    connection_id: str
    name: str


@dataclass(frozen=True)
class SignInOptions:
    upstream: tuple[UpstreamChoice, ...]
    awaiting_proof_for: str | None  # the name of the connection whose account waits


def sign_in_options(rt: Runtime, tenant: Tenant, interaction_id: str) -> SignInOptions:
    connections = enabled_connections(rt, tenant)
    if not connections:
        return SignInOptions((), None)
    with database.read(rt.engine) as conn:
        pending = pending_link(conn, tenant.id, interaction_id, rt.now())
    waiting = pending.connection_id if pending else None
    return SignInOptions(
        upstream=tuple(UpstreamChoice(c.id, c.name) for c in connections if c.id != waiting),
        awaiting_proof_for=next((c.name for c in connections if c.id == waiting), None),
    )
