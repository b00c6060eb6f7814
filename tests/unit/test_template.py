"""template.yaml and the code cannot drift: every flow folder under functions/ is one image
function, and each function's HTTP API routes are exactly its FastAPI router's routes.

The linters (``sam validate --lint``, ``cfn-lint``) run from a separate tools venv, kept out
of the app venv because aws-sam-cli pins boto3 and click: ``$IDGATE_TOOLS_VENV``, by default
``<repo>/.tools-venv`` (local/test.sh creates it). Without it those two tests are skipped.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.routing import Route as StarletteRoute

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template.yaml"
FUNCTIONS = REPO / "functions"
EVENTS = REPO / "tests" / "events"
TOOLS_VENV = Path(os.environ.get("IDGATE_TOOLS_VENV", REPO / ".tools-venv"))

DATABASE_URL = re.compile(r"(postgres(ql)?(\+\w+)?|sqlite)://", re.IGNORECASE)

Route = tuple[str, str]  # (method, path)


class CloudFormationLoader(yaml.SafeLoader):
    """SafeLoader that reads the short-form intrinsics (!Ref, !Sub, !GetAtt ...) as the
    long forms ({"Ref": ...}, {"Fn::Sub": ...}) CloudFormation itself sees."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


CloudFormationLoader.add_multi_constructor("!", _intrinsic)


@cache
def template() -> dict[str, Any]:
    return yaml.load(TEMPLATE.read_text(), Loader=CloudFormationLoader)  # noqa: S506 - a SafeLoader


def functions_in_template() -> dict[str, dict[str, Any]]:
    """flow folder name -> the AWS::Serverless::Function resource whose image runs it."""
    found: dict[str, dict[str, Any]] = {}
    for name, resource in template()["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        (command,) = resource["Properties"]["ImageConfig"]["Command"]
        package, flow, module, attribute = command.split(".")
        assert (package, module, attribute) == ("functions", "app", "handler"), name
        assert flow not in found, f"two functions run functions/{flow}"
        found[flow] = {"name": name, **resource}
    return found


def flow_folders() -> list[str]:
    return sorted(p.parent.name for p in FUNCTIONS.glob("*/app.py"))


def templated_routes(resource: dict[str, Any]) -> set[Route]:
    routes = set()
    for event in resource["Properties"].get("Events", {}).values():
        if event["Type"] == "HttpApi":
            routes.add((event["Properties"]["Method"].upper(), event["Properties"]["Path"]))
    return routes


def router_routes(flow: str) -> set[Route]:
    module = importlib.import_module(f"functions.{flow}.app")
    if not hasattr(module, "endpoints") and not hasattr(module, "router"):
        return set()  # a scheduled function (maintenance) serves no HTTP route
    # The token function is a plain ASGI app (TenantJsonEndpoints), the others FastAPI routers.
    routes = (
        module.endpoints.routes
        if hasattr(module, "endpoints")
        else [r for r in module.router.routes if isinstance(r, StarletteRoute)]
    )
    return {
        (method, route.path)
        for route in routes
        for method in (route.methods or set()) - {"HEAD", "OPTIONS"}
    }


@pytest.mark.parametrize("flow", flow_folders())
def test_every_flow_folder_has_an_image_function(flow: str) -> None:
    assert flow in functions_in_template(), f"functions/{flow} has no function in template.yaml"


def covers(templated: Route, served: Route) -> bool:
    """An exact route covers itself; ``ANY /prefix/{proxy+}`` covers everything under it."""
    method, path = templated
    if method not in ("ANY", served[0]):
        return False
    if path.endswith("/{proxy+}"):
        return served[1].startswith(path.removesuffix("{proxy+}"))
    return path == served[1]


@pytest.mark.parametrize("flow", sorted(functions_in_template()))
def test_template_routes_are_exactly_the_router_routes(flow: str) -> None:
    resource = functions_in_template()[flow]
    templated, served = templated_routes(resource), router_routes(flow)
    unserved = {t for t in templated if not any(covers(t, r) for r in served)}
    unrouted = {r for r in served if not any(covers(t, r) for t in templated)}
    assert unserved == set(), f"{resource['name']} routes its router does not serve"
    assert unrouted == set(), f"functions/{flow} routes missing from template.yaml"


def _specificity(templated: Route) -> tuple[bool, int]:
    """How API Gateway ranks the routes that match a request: an exact route before any
    greedy one, then the greedy route with the longest path first."""
    path = templated[1]
    return (not path.endswith("/{proxy+}"), len(path))


def test_no_function_is_routed_another_functions_route() -> None:
    """Every served route reaches its own function: of the templated routes that match it
    (a greedy /api/v1/{proxy+} matches the analytics paths too), the most specific one."""
    flows = functions_in_template()
    templated = [(t, flow) for flow, r in flows.items() for t in templated_routes(r)]
    for flow in flows:
        for route in router_routes(flow):
            matching = [(t, owner) for t, owner in templated if covers(t, route)]
            if not matching:
                continue  # unrouted: test_template_routes_are_exactly_the_router_routes
            _, winner = max(matching, key=lambda match: _specificity(match[0]))
            assert winner == flow, f"{route} of functions/{flow} is routed to {winner}"


def test_functions_share_one_image_and_choose_the_handler_by_command() -> None:
    resources = list(functions_in_template().values())
    metadata = {json.dumps(r["Metadata"], sort_keys=True) for r in resources}
    assert len(metadata) == 1
    assert resources[0]["Metadata"]["Dockerfile"] == "infra/Dockerfile"
    assert (REPO / "infra" / "Dockerfile").is_file()
    for resource in resources:
        assert resource["Properties"]["PackageType"] == "Image"


def test_production_settings_come_from_parameters_and_the_secret() -> None:
    variables = template()["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["IDGATE_ENV"] == "production"
    assert variables["IDGATE_KEY_PROVIDER"] == "kms"
    assert variables["IDGATE_KMS_KEY_ID"] == {"Ref": "KeyEncryptionKey"}
    assert variables["IDGATE_MAIL_PROVIDER"] == "ses"
    assert variables["IDGATE_PUBLIC_URL"] == {"Ref": "PublicUrl"}
    database_url = variables["IDGATE_DATABASE_URL"]["Fn::Sub"]
    assert database_url.startswith("{{resolve:secretsmanager:${DatabaseSecretArn}:")
    literal_urls = [text for text in _strings(template()) if DATABASE_URL.search(text)]
    assert literal_urls == [], "a database URL belongs in the secret, not in the template"


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for key, value in node.items() for s in [key, *_strings(value)]]
    if isinstance(node, list):
        return [s for item in node for s in _strings(item)]
    return [node] if isinstance(node, str) else []


def test_functions_get_least_privilege_on_the_key_and_no_mail_rights() -> None:
    key = template()["Resources"]["KeyEncryptionKey"]
    assert key["Properties"]["EnableKeyRotation"] is True
    decrypt = {"KMSDecryptPolicy": {"KeyId": {"Ref": "KeyEncryptionKey"}}}
    for flow, resource in functions_in_template().items():
        policies = resource["Properties"]["Policies"]
        if flow in ("authorize", "token", "device"):
            assert policies == [decrypt], f"the {flow} flow only unwraps data keys"
        assert policies[0] == decrypt
        for extra in policies[1:]:
            for statement in extra["Statement"]:
                assert statement["Resource"] == {"Fn::GetAtt": ["KeyEncryptionKey", "Arn"]}
        assert "ses:" not in json.dumps(policies), "nothing sends mail yet"


def test_every_event_file_is_a_v2_event_for_a_templated_route() -> None:
    routes = {
        f"{method} {path}"
        for resource in functions_in_template().values()
        for method, path in templated_routes(resource)
    }
    files = sorted(EVENTS.glob("*.json"))
    assert files
    for path in files:
        event = json.loads(path.read_text())
        assert event["version"] == "2.0", path.name
        assert event["routeKey"] in routes, path.name
        method, _, route = event["routeKey"].partition(" ")
        assert event["requestContext"]["http"]["method"] == method, path.name
        assert event["requestContext"]["http"]["path"] == event["rawPath"], path.name
        for name, value in event["pathParameters"].items():
            route = route.replace(f"{{{name}}}", value).replace(f"{{{name}+}}", value)
        assert route == event["rawPath"], path.name


def _tool(name: str) -> Path:
    tool = TOOLS_VENV / "bin" / name
    if not tool.exists():
        pytest.skip(f"{tool} not found (set IDGATE_TOOLS_VENV or run local/test.sh)")
    return tool


def _run(*command: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    return subprocess.run(
        [str(part) for part in command],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_sam_validate_lint_passes_offline() -> None:
    result = _run(_tool("sam"), "validate", "--lint", "--template", TEMPLATE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cfn_lint_passes() -> None:
    result = _run(_tool("cfn-lint"), "--", TEMPLATE)
    assert result.returncode == 0, result.stdout + result.stderr
