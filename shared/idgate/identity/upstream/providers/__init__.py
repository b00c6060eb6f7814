"""The registry of upstream provider types. A provider type is a module with one
``PROVIDER = UpstreamProvider(...)`` entry; connections name it by ``name``."""

from __future__ import annotations

from idgate.identity.upstream.providers import github, openid
from idgate.identity.upstream.providers.model import UpstreamProvider

PROVIDERS: dict[str, UpstreamProvider] = {
    provider.name: provider
    for provider in (github.PROVIDER, openid.GOOGLE, openid.MICROSOFT, openid.GENERIC)
}
PROVIDER_NAMES: tuple[str, ...] = tuple(PROVIDERS)


def provider_named(name: str) -> UpstreamProvider:
    return PROVIDERS[name]
