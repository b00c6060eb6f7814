"""An organization's upstream connections (bring your own OAuth). No answer carries the
client secret: only ``secret_set`` and the ``callback_url`` to register at the provider."""

from __future__ import annotations

from fastapi import Response

from functions.admin.connection_schemas import ConnectionIn, ConnectionOut
from functions.admin.deps import OperatorDep, admin_router
from idgate.control import connections_admin
from idgate.web.deps import RuntimeDep

router = admin_router("connections")


@router.get("/orgs/{slug}/connections")
def list_connections(slug: str, rt: RuntimeDep, operator: OperatorDep) -> list[ConnectionOut]:
    views = connections_admin.list_upstream_connections(rt, operator, slug)
    return [ConnectionOut.of(view) for view in views]


@router.get("/orgs/{slug}/connections/{connection_id}")
def get_connection(
    slug: str, connection_id: str, rt: RuntimeDep, operator: OperatorDep
) -> ConnectionOut:
    view = connections_admin.get_upstream_connection(rt, operator, slug, connection_id)
    return ConnectionOut.of(view)


@router.put(
    "/orgs/{slug}/connections/{connection_id}",
    responses={201: {"model": ConnectionOut, "description": "Created"}},
)
def put_connection(
    slug: str,
    connection_id: str,
    body: ConnectionIn,
    response: Response,
    rt: RuntimeDep,
    operator: OperatorDep,
) -> ConnectionOut:
    """Create (201) or replace (200) the connection; without ``client_secret`` the stored
    one is kept."""
    view, created = connections_admin.put_upstream_connection(
        rt, operator, slug, connection_id, body.settings()
    )
    response.status_code = 201 if created else 200
    return ConnectionOut.of(view)


@router.delete("/orgs/{slug}/connections/{connection_id}", status_code=204)
def delete_connection(
    slug: str, connection_id: str, rt: RuntimeDep, operator: OperatorDep
) -> Response:
    """Delete the connection and every customer account linked through it."""
    connections_admin.delete_upstream_connection(rt, operator, slug, connection_id)
    return Response(status_code=204)
