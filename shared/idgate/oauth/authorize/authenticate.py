"""Step ``authenticate`` (OIDC Core §3.1.2.3): the end user must be signed in."""

from __future__ import annotations

from idgate.kernel.errors import LoginRequired
from idgate.oauth.authorize.context import CONTINUE, AuthorizeContext, AuthorizeStep, ask_end_user
from idgate.oauth.authorize.outcomes import NeedsLogin, Outcome


def authenticate(ctx: AuthorizeContext) -> Outcome | None:
    if ctx.session is not None:
        return CONTINUE
    return ask_end_user(ctx, NeedsLogin, LoginRequired("the end user is not signed in"))


STEP = AuthorizeStep("authenticate", authenticate)
