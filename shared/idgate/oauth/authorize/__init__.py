"""The authorization endpoint's decision (OIDC Core §3.1.2.3-3.1.2.5): authenticate the end
user (session, ``prompt``, ``max_age``), obtain consent, then issue the code, as the
ordered steps of ``decision.AUTHORIZE_STEPS``, one module each.

This package's names are its public face: the HTTP edge and the flows import from here.
"""

from __future__ import annotations

from idgate.oauth.authorize.decision import AUTHORIZE_STEPS, authorize, decide_consent
from idgate.oauth.authorize.outcomes import (
    NeedsConsent,
    NeedsLogin,
    Outcome,
    RedirectTo,
    authorization_response_url,
    error_redirect_url,
)

__all__ = [
    "AUTHORIZE_STEPS",
    "NeedsConsent",
    "NeedsLogin",
    "Outcome",
    "RedirectTo",
    "authorization_response_url",
    "authorize",
    "decide_consent",
    "error_redirect_url",
]
