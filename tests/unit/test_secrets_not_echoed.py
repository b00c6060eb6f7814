"""Secrets in the process settings (the database password, the master key) never reach the
start-up line, a settings validation error or a repr."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest
import uvicorn
from pydantic import ValidationError

from idgate.kernel import settings as settings_module
from idgate.kernel.runtime import Runtime
from idgate.kernel.settings import Settings
from local import server

PASSWORD = "s3cret-db-pw"
DATABASE_URL = f"postgresql+psycopg://idgate_app:{PASSWORD}@db.internal:5432/idgate"
MASTER_KEY = "c2VjcmV0LW1hc3Rlci1rZXktMzItYnl0ZXMtbG9uZyE"


def test_the_start_up_line_masks_the_database_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    settings = Settings(database_url=DATABASE_URL)
    rt = cast(Runtime, SimpleNamespace(public_url="https://id.example", settings=settings))

    server.serve(rt, cast(Any, None), host="127.0.0.1", port=8000)

    line = capsys.readouterr().out
    assert PASSWORD not in line
    assert "idgate_app:***@db.internal:5432/idgate" in line


@pytest.mark.parametrize(
    "environment",
    [
        {"IDGATE_ENV": "production", "IDGATE_PUBLIC_URL": "http://id.example"},
        {"IDGATE_DB_POOL_SIZE": "many"},
        {"IDGATE_ENV": "staging"},
    ],
)
def test_a_settings_validation_error_echoes_no_secret(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str]
) -> None:
    monkeypatch.setenv("IDGATE_DATABASE_URL", DATABASE_URL)
    monkeypatch.setenv("IDGATE_MIGRATION_DATABASE_URL", DATABASE_URL)
    monkeypatch.setenv("IDGATE_MASTER_KEY", MASTER_KEY)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ValidationError) as refused:
        Settings()

    for shown in (str(refused.value), repr(refused.value)):
        assert PASSWORD not in shown and MASTER_KEY not in shown


def test_a_validation_error_of_explicit_settings_echoes_no_secret() -> None:
    # pydantic shortens a long input to its two ends; the master key is the last one given.
    with pytest.raises(ValidationError) as refused:
        Settings(env="production", public_url="http://id.example", master_key=MASTER_KEY)  # type: ignore[arg-type]

    for shown in (str(refused.value), repr(refused.value)):
        assert MASTER_KEY[-12:] not in shown


def test_the_settings_repr_shows_no_secret() -> None:
    settings = Settings(database_url=DATABASE_URL, master_key=MASTER_KEY)  # type: ignore[arg-type]

    for shown in (repr(settings), str(settings)):
        assert PASSWORD not in shown and MASTER_KEY not in shown


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("sqlite:///./idgate.db", "sqlite:///./idgate.db"),
        (DATABASE_URL, "postgresql+psycopg://idgate_app:***@db.internal:5432/idgate"),
        (f"postgresql://u:{PASSWORD}@h:port/db", "<a database URL that does not parse>"),
    ],
)
def test_a_redacted_url_keeps_everything_but_the_password(url: str, shown: str) -> None:
    assert settings_module.redacted_url(url) == shown
