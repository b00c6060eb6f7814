"""An organization's signing keys: list them (viewers) and rotate them (owners); the models
live here, as only these routes use them. Nothing here carries private key material."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from functions.admin.deps import OperatorDep, admin_router
from functions.admin.schemas import Flag
from idgate.control import signing_keys_admin
from idgate.keys.key_rotation import KeyInfo, Rotation
from idgate.web.deps import RuntimeDep

router = admin_router("signing keys")


class SigningKeyOut(BaseModel):
    kid: str
    alg: str
    status: Literal["next", "current", "retired"] = Field(
        description="next: published, signs from activates_at; current: signs; retired: "
        "published until every token it signed has expired"
    )
    created_at: float
    activates_at: float | None
    retired_at: float | None

    @classmethod
    def of(cls, key: KeyInfo) -> SigningKeyOut:
        return cls.model_validate(key, from_attributes=True)


class KeyRotationIn(BaseModel):
    immediate: Flag = Field(
        default=False,
        description="Sign with the new keys now and withdraw every earlier key, for a "
        "compromised key: every token signed before stops validating",
    )


class KeyRotationOut(BaseModel):
    keys: list[SigningKeyOut] = Field(description="The new keys, one per algorithm")
    activates_at: float = Field(description="When the new keys sign")
    immediate: bool
    withdrawn: list[str] = Field(description="The kids withdrawn at once (immediate only)")

    @classmethod
    def of(cls, rotation: Rotation) -> KeyRotationOut:
        return cls(
            keys=[SigningKeyOut.of(key) for key in rotation.keys],
            activates_at=rotation.activates_at,
            immediate=rotation.immediate,
            withdrawn=rotation.withdrawn,
        )


@router.get("/orgs/{slug}/keys")
def list_keys(slug: str, rt: RuntimeDep, operator: OperatorDep) -> list[SigningKeyOut]:
    return [SigningKeyOut.of(k) for k in signing_keys_admin.list_signing_keys(rt, operator, slug)]


@router.post("/orgs/{slug}/keys/rotate")
def rotate_keys(
    slug: str, rt: RuntimeDep, operator: OperatorDep, body: KeyRotationIn | None = None
) -> KeyRotationOut:
    """Publish a next key per algorithm in the JWKS, signing after the rotation delay (409
    while one is pending); with ``immediate``, replace every key at once."""
    immediate = body.immediate if body is not None else False
    rotation = signing_keys_admin.rotate_signing_keys(rt, operator, slug, immediate=immediate)
    return KeyRotationOut.of(rotation)
