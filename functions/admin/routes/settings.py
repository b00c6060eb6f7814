"""An organization's self-service policy: members read it, owners and admins change it
(audited as ``org.settings_changed`` with the values before and after)."""

from __future__ import annotations

from functions.admin.deps import OperatorDep, admin_router
from functions.admin.settings_schemas import SettingsOut, SettingsPatch
from idgate.control import organization_settings
from idgate.web.deps import RuntimeDep

router = admin_router("settings")


@router.get("/orgs/{slug}/settings")
def get_settings(slug: str, rt: RuntimeDep, operator: OperatorDep) -> SettingsOut:
    return SettingsOut.of(organization_settings.organization_settings(rt, operator, slug))


@router.patch("/orgs/{slug}/settings")
def change_settings(
    slug: str, body: SettingsPatch, rt: RuntimeDep, operator: OperatorDep
) -> SettingsOut:
    """Change any subset of the settings; the answer is the whole policy."""
    policy = organization_settings.change_organization_settings(rt, operator, slug, body.changes())
    return SettingsOut.of(policy)
