from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from idgate.kernel.runtime import Runtime
from local.server import build_app
from tests.flows import Browser


@pytest.fixture
def client(rt: Runtime) -> TestClient:
    return TestClient(build_app(), base_url="http://testserver")


@pytest.fixture
def browser(client: TestClient, acme: object) -> Browser:
    return Browser(client)
