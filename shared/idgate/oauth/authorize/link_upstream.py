"""Step ``link_upstream``: an upstream account held back because its email belongs to an
existing customer (``identity.upstream.linking``) is linked once that customer has signed
in, another way, within this same request; any other sign-in only discards it."""

from __future__ import annotations

from idgate.identity.upstream.linking import complete_pending_link
from idgate.oauth.authorize.context import CONTINUE, AuthorizeContext, AuthorizeStep
from idgate.oauth.authorize.outcomes import Outcome


def link_upstream(ctx: AuthorizeContext) -> Outcome | None:
    session, interaction = ctx.signed_in, ctx.interaction
    if interaction is not None and interaction.login_session_id == session.id:
        complete_pending_link(
            ctx.rt,
            ctx.conn,
            tenant_id=ctx.tenant.id,
            interaction_id=interaction.id,
            customer_id=session.customer_id,
            now=ctx.now,
        )
    return CONTINUE


STEP = AuthorizeStep("link_upstream", link_upstream)
