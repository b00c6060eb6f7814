"""A sign-in or a linking at an upstream, from the redirect to its callback (RFC 6749
§4.1 with PKCE S256, RFC 7636; OIDC Core §3.1.2 with ``nonce``).

``begin_sign_in`` serves the sign-in page's "Continue with ..." for a pending sign-in;
``begin_link`` links another upstream account to the signed-in customer. ``finish`` takes
the callback: it consumes the flow, exchanges the code, reads the account and answers with
one of the outcomes below. Upstream errors never reach the application: they come back to
the sign-in page (``Failed``) with a plain message."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from idgate.analytics.sign_in_events import record_sign_in
from idgate.crypto.digests import b64url, random_token
from idgate.identity.customers import Customer
from idgate.identity.interactions import load_interaction
from idgate.identity.sessions import Session
from idgate.identity.sign_in import SignedIn, open_signed_in_session
from idgate.identity.upstream.connection_model import UpstreamConnection
from idgate.identity.upstream.connections import callback_url, connection_secret, enabled_connection
from idgate.identity.upstream.flow_state import FLOW_LIFETIME, Flow, save_flow, take_flow
from idgate.identity.upstream.linking import find_link, link_account
from idgate.identity.upstream.providers import provider_named
from idgate.identity.upstream.providers.model import UpstreamProfile, UpstreamTokens
from idgate.identity.upstream.resolution import resolve_customer
from idgate.identity.upstream.token_requests import token_request
from idgate.identity.upstream.upstream_http import UpstreamFailed
from idgate.kernel.errors import Conflict, IdgateError
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.tenancy.tenants import Tenant

_ERROR_CODE = re.compile(r"[a-z_]{1,40}")


@dataclass(frozen=True)
class UpstreamRedirect:
    url: str
    browser: str  # the value of the cookie binding the flow to this browser


@dataclass(frozen=True)
class SignedInUpstream:
    signed_in: SignedIn


@dataclass(frozen=True)
class AwaitingProof:
    interaction_id: str


@dataclass(frozen=True)
class Linked:
    connection: UpstreamConnection


@dataclass(frozen=True)
class Failed:
    message: str
    interaction_id: str | None  # the sign-in page to show it on, when there is one


Finished = SignedInUpstream | AwaitingProof | Linked | Failed


def begin_sign_in(
    rt: Runtime, tenant: Tenant, connection_id: str, interaction_id: str | None
) -> UpstreamRedirect:
    interaction = load_interaction(rt, tenant, interaction_id)
    connection = enabled_connection(rt, tenant, connection_id)
    return _begin(rt, tenant, connection, "sign_in", interaction.id, None)


def begin_link(
    rt: Runtime, tenant: Tenant, connection_id: str, session: Session
) -> UpstreamRedirect:
    connection = enabled_connection(rt, tenant, connection_id)
    return _begin(rt, tenant, connection, "link", None, session.customer_id)


def _begin(
    rt: Runtime,
    tenant: Tenant,
    connection: UpstreamConnection,
    purpose: str,
    interaction_id: str | None,
    customer_id: str | None,
) -> UpstreamRedirect:
    provider = provider_named(connection.provider)
    endpoints = provider.endpoints(rt, connection)  # may fetch discovery: outside the write
    state, browser, verifier, nonce = (random_token() for _ in range(4))
    flow = Flow(
        connection.id,
        purpose,
        interaction_id,
        customer_id,
        verifier,
        nonce,
        rt.now() + FLOW_LIFETIME,
    )
    with database.write(rt.engine) as conn:
        save_flow(rt, conn, tenant_id=tenant.id, state=state, browser=browser, flow=flow)
    params = {
        "response_type": "code",
        "client_id": connection.client_id,
        "redirect_uri": callback_url(rt, tenant, connection.id),
        "scope": " ".join(connection.scopes),
        "state": state,
        "code_challenge": b64url(hashlib.sha256(verifier.encode()).digest()),
        "code_challenge_method": "S256",
        **({"nonce": nonce} if provider.openid else {}),
        **provider.extra_authorization_params,
    }
    separator = "&" if "?" in endpoints.authorization_endpoint else "?"
    return UpstreamRedirect(
        f"{endpoints.authorization_endpoint}{separator}{urlencode(params)}", browser
    )


def finish(
    rt: Runtime,
    tenant: Tenant,
    connection_id: str,
    params: dict[str, str],
    *,
    browser: str | None,
    session: Session | None,
) -> Finished:
    with database.write(rt.engine) as conn:
        flow = take_flow(
            rt,
            conn,
            tenant_id=tenant.id,
            connection_id=connection_id,
            state=params.get("state", ""),
            browser=browser,
        )
    if flow is None:
        return Failed("This sign-in has expired or was already used. Start again.", None)
    try:
        connection = enabled_connection(rt, tenant, connection_id)
        profile, tokens = _account(rt, tenant, connection, flow, params)
        if flow.purpose == "link":
            return _link(rt, tenant, connection, flow, session, profile, tokens)
        return _sign_in(rt, tenant, connection, flow, profile, tokens)
    except IdgateError as failure:
        if flow.purpose == "sign_in":
            _note_failure(rt, tenant, connection_id)
        return Failed(failure.description, flow.interaction_id)


def _note_failure(rt: Runtime, tenant: Tenant, connection_id: str) -> None:
    with database.write(rt.engine) as conn:
        record_sign_in(
            conn,
            tenant_id=tenant.id,
            outcome="failure",
            reason="upstream_error",
            method=f"upstream:{connection_id}",
            now=rt.now(),
        )


def _account(
    rt: Runtime,
    tenant: Tenant,
    connection: UpstreamConnection,
    flow: Flow,
    params: dict[str, str],
) -> tuple[UpstreamProfile, UpstreamTokens]:
    error = params.get("error")
    if error is not None:
        if error == "access_denied":
            raise UpstreamFailed(f"Signing in with {connection.name} was cancelled.")
        code = error if _ERROR_CODE.fullmatch(error) else "error"
        raise UpstreamFailed(f"{connection.name} could not sign you in ({code}).")
    if not params.get("code"):
        raise UpstreamFailed(f"{connection.name} sent no authorization code. Try again.")
    provider = provider_named(connection.provider)
    form = {
        "grant_type": "authorization_code",
        "code": params["code"],
        "redirect_uri": callback_url(rt, tenant, connection.id),
        "code_verifier": flow.verifier,
    }
    tokens = token_request(
        rt,
        provider.endpoints(rt, connection),
        client_id=connection.client_id,
        client_secret=connection_secret(rt, connection),
        form=form,
        what=connection.name,
    )
    return provider.profile(rt, connection, tokens, flow.nonce), tokens


def _sign_in(
    rt: Runtime,
    tenant: Tenant,
    connection: UpstreamConnection,
    flow: Flow,
    profile: UpstreamProfile,
    tokens: UpstreamTokens,
) -> Finished:
    interaction = load_interaction(rt, tenant, flow.interaction_id)
    with database.write(rt.engine) as conn:
        resolved = resolve_customer(
            rt,
            conn,
            connection=connection,
            interaction_id=interaction.id,
            profile=profile,
            tokens=tokens,
            now=rt.now(),
        )
    if resolved.customer is None:
        return AwaitingProof(interaction.id)
    customer: Customer = resolved.customer
    method = f"upstream:{connection.id}"
    return SignedInUpstream(
        open_signed_in_session(rt, tenant, customer, interaction, method=method)
    )


def _link(
    rt: Runtime,
    tenant: Tenant,
    connection: UpstreamConnection,
    flow: Flow,
    session: Session | None,
    profile: UpstreamProfile,
    tokens: UpstreamTokens,
) -> Finished:
    if session is None or session.customer_id != flow.customer_id:
        raise UpstreamFailed("Sign in again to link an account.")
    now = rt.now()
    with database.write(rt.engine) as conn:
        if find_link(conn, tenant.id, connection.id, profile.subject) is not None:
            raise Conflict(f"This {connection.name} account is already linked to an account.")
        link_account(
            rt,
            conn,
            tenant_id=tenant.id,
            customer_id=session.customer_id,
            connection_id=connection.id,
            profile=profile,
            tokens=tokens,
            now=now,
        )
    return Linked(connection)
