"""The browser steps of the authorization endpoint, each one core call for the HTTP edge:
start a request, show the sign-in page, resume the request after sign-in, show and answer
the consent page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from idgate.identity.interactions import Interaction, InteractionExpired, load_interaction
from idgate.identity.sessions import Session
from idgate.identity.upstream.sign_in_options import SignInOptions, sign_in_options
from idgate.kernel.runtime import Runtime
from idgate.oauth.authorization_request import AuthorizationRequest, parse_authorization_request
from idgate.oauth.authorize import NeedsLogin, Outcome, authorize, decide_consent
from idgate.tenancy.tenants import Tenant


@dataclass(frozen=True)
class LoginPrompt:
    interaction_id: str
    login_hint: str | None
    # Where the page's form ends up after its redirects (the client's verified redirect
    # URI; None for a device interaction), for the page's CSP ``form-action``.
    redirect_uri: str | None
    options: SignInOptions


@dataclass(frozen=True)
class ConsentPrompt:
    interaction_id: str
    application: str
    scopes: tuple[str, ...]
    redirect_uri: str


def start_authorization(
    rt: Runtime,
    tenant: Tenant,
    params: Mapping[str, str],
    repeated: frozenset[str],
    session: Session | None,
) -> Outcome:
    request = parse_authorization_request(rt, tenant, params, repeated)
    return authorize(rt, tenant, request, session=session, interaction=None)


def _pending(
    rt: Runtime, tenant: Tenant, interaction_id: str | None
) -> tuple[Interaction, AuthorizationRequest]:
    interaction = load_interaction(rt, tenant, interaction_id)
    if interaction.kind != "authorize":
        raise InteractionExpired("This link does not belong to a sign-in request.")
    return interaction, parse_authorization_request(rt, tenant, interaction.params)


def login_prompt(rt: Runtime, tenant: Tenant, interaction_id: str | None) -> LoginPrompt:
    """The sign-in page of a pending interaction, its email field pre-filled from the
    authorization request's ``login_hint`` (OIDC Core §3.1.2.1). A device interaction
    (RFC 8628 §3.3) carries no hint."""
    interaction = load_interaction(rt, tenant, interaction_id)
    options = sign_in_options(rt, tenant, interaction.id)
    if interaction.kind != "authorize":
        return LoginPrompt(interaction.id, None, None, options)
    request = parse_authorization_request(rt, tenant, interaction.params)
    return LoginPrompt(interaction.id, request.login_hint, request.redirect_uri, options)


def resume_authorization(
    rt: Runtime, tenant: Tenant, interaction_id: str | None, session: Session | None
) -> Outcome:
    interaction, request = _pending(rt, tenant, interaction_id)
    return authorize(rt, tenant, request, session=session, interaction=interaction)


def consent_prompt(
    rt: Runtime, tenant: Tenant, interaction_id: str | None, session: Session | None
) -> ConsentPrompt | NeedsLogin:
    interaction, request = _pending(rt, tenant, interaction_id)
    if session is None:
        return NeedsLogin(interaction.id)
    return ConsentPrompt(
        interaction.id, request.client.name, tuple(request.scope.split()), request.redirect_uri
    )


def answer_consent(
    rt: Runtime, tenant: Tenant, interaction_id: str | None, session: Session | None, *, allow: bool
) -> Outcome:
    interaction, request = _pending(rt, tenant, interaction_id)
    if session is None:
        return NeedsLogin(interaction.id)
    return decide_consent(
        rt, tenant, request, session=session, interaction=interaction, allow=allow
    )
