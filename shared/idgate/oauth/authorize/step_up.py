"""Step ``step_up`` (OIDC Core §3.1.2.1, §3.1.2.3): re-authenticate a signed-in end user
when the request asks for it, with ``prompt=login``, or when the session's sign-in is older
than ``max_age`` seconds. A sign-in made for this very request satisfies both."""

from __future__ import annotations

from idgate.kernel.errors import LoginRequired
from idgate.oauth.authorize.context import CONTINUE, AuthorizeContext, AuthorizeStep, ask_end_user
from idgate.oauth.authorize.outcomes import NeedsLogin, Outcome


def step_up(ctx: AuthorizeContext) -> Outcome | None:
    session, request = ctx.signed_in, ctx.request
    if ctx.interaction is not None and ctx.interaction.login_session_id == session.id:
        return CONTINUE
    too_old = request.max_age is not None and ctx.now - session.auth_time > request.max_age
    if "login" not in request.prompt and not too_old:
        return CONTINUE
    return ask_end_user(ctx, NeedsLogin, LoginRequired("the end user is not signed in"))


STEP = AuthorizeStep("step_up", step_up)
