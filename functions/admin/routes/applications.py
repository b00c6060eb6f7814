"""An organization's applications (OAuth clients)."""

from __future__ import annotations

from fastapi import Response

from functions.admin.deps import OperatorDep, admin_router
from functions.admin.schemas import ApplicationIn, ApplicationOut, ApplicationPatch
from idgate.control import applications
from idgate.web.deps import RuntimeDep

router = admin_router("applications")


@router.get("/orgs/{slug}/apps")
def list_apps(slug: str, rt: RuntimeDep, operator: OperatorDep) -> list[ApplicationOut]:
    return [ApplicationOut.of(c) for c in applications.list_applications(rt, operator, slug)]


@router.post("/orgs/{slug}/apps", status_code=201)
def create_application(
    slug: str, body: ApplicationIn, rt: RuntimeDep, operator: OperatorDep
) -> ApplicationOut:
    client, secret = applications.create_application(
        rt, operator, slug, secret=None, **body.model_dump()
    )
    return ApplicationOut.of(client, secret)


@router.get("/orgs/{slug}/apps/{client_id}")
def get_app(slug: str, client_id: str, rt: RuntimeDep, operator: OperatorDep) -> ApplicationOut:
    return ApplicationOut.of(applications.get_application(rt, operator, slug, client_id))


@router.patch("/orgs/{slug}/apps/{client_id}")
def update_app(
    slug: str, client_id: str, body: ApplicationPatch, rt: RuntimeDep, operator: OperatorDep
) -> ApplicationOut:
    return ApplicationOut.of(
        applications.update_application(rt, operator, slug, client_id, **body.model_dump())
    )


@router.post("/orgs/{slug}/apps/{client_id}/rotate-secret")
def rotate_secret(
    slug: str, client_id: str, rt: RuntimeDep, operator: OperatorDep
) -> ApplicationOut:
    client, secret = applications.rotate_application_secret(rt, operator, slug, client_id)
    return ApplicationOut.of(client, secret)


@router.delete("/orgs/{slug}/apps/{client_id}", status_code=204)
def delete_app(slug: str, client_id: str, rt: RuntimeDep, operator: OperatorDep) -> Response:
    applications.delete_application(rt, operator, slug, client_id)
    return Response(status_code=204)
