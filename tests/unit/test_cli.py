"""The provisioning commands scripts depend on: exact names, one-line errors, secrets shown once."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from idgate.kernel.runtime import Runtime
from idgate_cli.main import app

runner = CliRunner()


@pytest.fixture
def cli(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("IDGATE_DATABASE_URL", rt.settings.database_url)
    return runner


def test_provisioning_commands_create_tenant_client_and_user(cli: CliRunner) -> None:
    assert cli.invoke(app, ["tenant", "create", "shop", "--name", "Shop"]).exit_code == 0
    created = cli.invoke(
        app,
        [
            "client",
            "create",
            "shop",
            "--client-id",
            "web",
            "--confidential",
            "--redirect-uri",
            "https://shop.example.com/cb",
            "--redirect-uri",
            "http://localhost:3000/cb",
            "--grant",
            "authorization_code",
            "--grant",
            "refresh_token",
            "--post-logout-redirect-uri",
            "https://shop.example.com/",
        ],
    )
    assert created.exit_code == 0, created.output
    assert "client secret (shown once):" in created.output
    user = cli.invoke(
        app, ["user", "create", "shop", "--email", "a@example.com", "--password", "long enough"]
    )
    assert user.exit_code == 0, user.output


def test_operator_secret_must_be_at_least_32_characters(cli: CliRunner) -> None:
    cli.invoke(app, ["tenant", "create", "shop"])
    result = cli.invoke(
        app,
        [
            "client",
            "create",
            "shop",
            "--client-id",
            "svc",
            "--secret",
            "too-short",
            "--grant",
            "client_credentials",
        ],
    )
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "error: client secret must be at least 32 characters"
    ]


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("/relative", "must be absolute"),
        ("https://x.example.com/cb#frag", "fragment"),
        ("http://x.example.com/cb", "loopback"),
    ],
)
def test_redirect_uris_are_validated(cli: CliRunner, uri: str, message: str) -> None:
    cli.invoke(app, ["tenant", "create", "shop"])
    result = cli.invoke(
        app, ["client", "create", "shop", "--client-id", "c", "--public", "--redirect-uri", uri]
    )
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


def test_duplicate_tenant_and_unknown_tenant_are_one_line_errors(cli: CliRunner) -> None:
    cli.invoke(app, ["tenant", "create", "shop"])
    duplicate = cli.invoke(app, ["tenant", "create", "shop"])
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    unknown = cli.invoke(
        app, ["user", "create", "nope", "--email", "a@example.com", "--password", "long enough"]
    )
    assert unknown.exit_code == 1 and "no tenant" in unknown.output
