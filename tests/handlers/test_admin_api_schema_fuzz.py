"""The admin API fuzzed from its own OpenAPI document (issue 17, "No 500 on any input").

schemathesis loads ``/api/v1/openapi.json`` from the admin function's app in-process and
draws requests for every operation: positive data (what the document allows) and negative
data (what it forbids: wrong types, missing fields, out-of-range values), each once with
every path parameter generated and once with the path naming real resources of the world of
``tests/handlers/admin_fixtures.py`` (organization ``shop``, its application, customer,
member, connection, session and linked identity), so the requests reach the core's own
checks. Every request carries the platform owner's bearer token.

Every answer must be: no server error, a status the document declares, a body that matches
the document's schema for that status, and, for a malformed request, an error that names
each offending field in ``fields`` (``idgate.web.errors``). SQLite only: the database
specifics of odd input (NUL characters, varchar lengths, integer ranges) have their
PostgreSQL tests in ``test_admin_api_input_errors.py``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.core.result import Ok
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from functions.admin.app import app as admin_app
from idgate.kernel.runtime import Runtime
from tests.handlers.admin_fixtures import (
    AdminWorld,
    build_world,
    start_customer_session,
    use_cheap_password_hashing,
)
from tests.handlers.upstream_fixtures import add_connection, link_identity

# Per operation, mode (positive, negative) and kind of path (generated, real): about a
# hundred runs in all. A deeper search: IDGATE_SCHEMA_FUZZ_EXAMPLES=50.
EXAMPLES = int(os.environ.get("IDGATE_SCHEMA_FUZZ_EXAMPLES", "20"))
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,  # what the document forbids is refused (a 4xx)
]


@pytest.fixture
def backend() -> str:
    """SQLite only (this module's override of tests/conftest.py's parametrized fixture)."""
    return "sqlite"


@pytest.fixture
def world(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[AdminWorld]:
    use_cheap_password_hashing(monkeypatch)  # positive sign-ups hash their passwords
    with ExitStack() as stack:
        yield build_world(rt, stack)


def real_path_parameters(w: AdminWorld) -> dict[str, str]:
    """Path parameters naming resources that exist, so a request passes the lookups."""
    cora = w.customer_ids["cora"]
    add_connection(w, "shop", "github", who="alice")
    return {
        "slug": "shop",
        "client_id": "shop-web",
        "customer_id": cora,
        "operator_id": w.ids["carol"],
        "connection_id": "github",
        "session_id": start_customer_session(w.rt, "shop", cora),
        "identity_id": link_identity(w.rt, "shop", cora, "github"),
        "name": "pro",
        "action": "disable",
    }


def destructive(operation: APIOperation) -> bool:
    """Operations that remove or retire what the others' real paths name: run last."""
    path = operation.path
    return operation.method.upper() == "DELETE" or path.endswith(("/reject", "/suspend"))


def names_the_offending_fields(response: Response) -> None:
    """Every refusal says why; a malformed request's names each offending field in
    ``fields`` and in its message."""
    if not 400 <= response.status_code < 500:
        return
    body = response.json()
    assert body.get("message"), body
    if body.get("error") == "invalid_request":
        assert body.get("fields"), body
        assert all(f"{field}:" in body["message"] for field in body["fields"]), body


def _any_string_is_valid(schema: dict[str, Any]) -> bool:
    """The schema of a parameter that takes every string: nothing to negate on the wire."""
    if "anyOf" in schema:
        return any(_any_string_is_valid(option) for option in schema["anyOf"])
    constraints = set(schema) - {"type", "title", "description", "default"}
    return schema.get("type") == "string" and not constraints


def negatable(operation: APIOperation, fixed: set[str]) -> bool:
    """Whether negative data exists for the operation (a body, or a parameter that not
    every string satisfies); without any, hypothesis would search in vain (Unsatisfiable)."""
    if operation.body:
        return True
    drawn = [*operation.query, *(p for p in operation.path_parameters if p.name not in fixed)]
    return any(not _any_string_is_valid(p.definition.get("schema", {})) for p in drawn)


def fuzz_operation(
    operation: APIOperation,
    mode: GenerationMode,
    path_parameters: dict[str, str] | None,
    headers: dict[str, str],
) -> None:
    wanted = None
    if path_parameters is not None:
        names = {p.name for p in operation.path_parameters}
        wanted = {name: value for name, value in path_parameters.items() if name in names}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=os.environ.get("CI") == "true",
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=wanted))
    def run(case: Case) -> None:
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS)
        names_the_offending_fields(response)

    run()


def test_every_admin_operation_answers_within_its_schema_on_any_input(world: AdminWorld) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", admin_app)
    loaded = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in loaded), loaded
    operations = sorted(
        (result.ok() for result in loaded if isinstance(result, Ok)), key=destructive
    )
    real = real_path_parameters(world)
    headers = world.headers("root")
    failures: list[str] = []
    for operation in operations:
        path_names = {p.name for p in operation.path_parameters}
        # With no path parameter, the real path is the generated one.
        for path_parameters in (None, real) if path_names else (None,):
            fixed = path_names if path_parameters else set()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                if mode is GenerationMode.NEGATIVE and not negatable(operation, fixed):
                    continue
                try:
                    fuzz_operation(operation, mode, path_parameters, headers)
                # Every operation is tried and every failure listed (schemathesis raises a
                # group of them, a BaseExceptionGroup).
                except (Exception, BaseExceptionGroup) as failure:
                    where = "real path" if path_parameters else "generated path"
                    failures.append(f"{operation.label} ({mode.value}, {where}):\n{failure}")
    assert not failures, "\n\n".join(failures)


def test_every_admin_operation_declares_the_errors_it_answers() -> None:
    # FastAPI declared a 422 of its own shape, which idgate never answers, and no other
    # error: a client generated from the document knew neither the 400 nor its fields.
    document = admin_app.openapi()
    error = {"$ref": "#/components/schemas/ErrorOut"}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert "422" not in responses, (method, path)
            for status in ("4XX", "503"):
                assert responses[status]["content"]["application/json"]["schema"] == error
