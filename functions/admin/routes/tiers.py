"""The tier catalogue and its limits."""

from __future__ import annotations

from functions.admin.deps import OperatorDep, admin_router
from functions.admin.schemas import TierLimitsIn, TierOut
from idgate.control import tiers_admin
from idgate.web.deps import RuntimeDep

router = admin_router("tiers")


@router.get("/tiers")
def list_tiers(rt: RuntimeDep, operator: OperatorDep) -> list[TierOut]:
    return [TierOut(**t.__dict__) for t in tiers_admin.list_tiers(rt, operator)]


@router.patch("/tiers/{name}")
def update_tier(name: str, body: TierLimitsIn, rt: RuntimeDep, operator: OperatorDep) -> TierOut:
    return TierOut(**tiers_admin.update_tier(rt, operator, name, **body.model_dump()).__dict__)
