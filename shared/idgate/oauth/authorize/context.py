"""What each step of the authorize decision sees, and what a step is.

A step returns ``CONTINUE`` (None) to hand over to the next step, or an ``Outcome`` to end
the decision there; an error for the client (e.g. ``login_required``) it raises as an
``OAuthError``, which the decision delivers to the redirect URI (OIDC Core §3.1.2.6).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection

from idgate.identity.interactions import Interaction, start_interaction
from idgate.identity.sessions import Session
from idgate.kernel.errors import OAuthError
from idgate.kernel.runtime import Runtime
from idgate.oauth.authorization_request import AuthorizationRequest
from idgate.oauth.authorize.outcomes import Outcome
from idgate.tenancy.tenants import Tenant

CONTINUE = None


@dataclass(frozen=True)
class AuthorizeContext:
    """One run of the decision: the validated request, the end user's session (None when
    not signed in), the pending interaction when resuming one, and the write transaction
    every step runs in."""

    rt: Runtime
    tenant: Tenant
    request: AuthorizationRequest
    session: Session | None
    interaction: Interaction | None
    conn: Connection
    now: float

    @property
    def signed_in(self) -> Session:
        """The session, for the steps after ``authenticate`` (which stops without one)."""
        if self.session is None:
            raise RuntimeError("an authorize step that needs a session ran without one")
        return self.session


@dataclass(frozen=True)
class AuthorizeStep:
    name: str
    decide: Callable[[AuthorizeContext], Outcome | None]


def ask_end_user(
    ctx: AuthorizeContext, page: Callable[[str], Outcome], refusal: OAuthError
) -> Outcome:
    """Send the end user to ``page`` (sign-in or consent) for this request's interaction,
    or, under ``prompt=none``, refuse: the OP must not show any page then (OIDC Core
    §3.1.2.1, §3.1.2.6)."""
    if "none" in ctx.request.prompt:
        raise refusal
    return page(_interaction_id(ctx))


def _interaction_id(ctx: AuthorizeContext) -> str:
    # A resumed request keeps its interaction; a fresh one stores its parameters in a new
    # one, for the sign-in and consent pages to resume from.
    if ctx.interaction is not None:
        return ctx.interaction.id
    return start_interaction(
        ctx.conn, tenant_id=ctx.tenant.id, kind="authorize", params=ctx.request.params, now=ctx.now
    )
