"""The row-level security migrations cover every tenant-owned table, and the tenant scope
only ever reaches PostgreSQL.

Migration 0003 lists its tables explicitly (a migration must not change with the models);
this compares the lists of every migration that declares ``TENANT_OWNED_TABLES`` with the
current metadata, so a new tenant-owned table fails here until a migration adds its policy.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from idgate.kernel.settings import Settings
from idgate.storage import database, tenant_scope
from idgate.storage.tables import metadata

VERSIONS = Path(__file__).resolve().parents[2] / "infra" / "migrations" / "versions"
# Hold no tenant's data: tier limits, every organization's sign-ins summed per hour, and
# how far the analytics rollup has read.
UNRESTRICTED = {"tiers", "platform_sign_in_hourly", "analytics_watermarks"}


def _declared_tables() -> dict[str, str]:
    declared: dict[str, str] = {}
    for path in sorted(VERSIONS.glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"migration_{path.stem}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        declared.update(getattr(module, "TENANT_OWNED_TABLES", {}))
    return declared


def test_every_tenant_owned_table_has_a_row_level_security_policy() -> None:
    declared = _declared_tables()
    tenant_owned = {t.name for t in metadata.sorted_tables if "tenant_id" in t.c}
    assert set(declared) == tenant_owned | {"tenants"}
    assert {name for name, column in declared.items() if column != "tenant_id"} == {"tenants"}
    assert declared["tenants"] == "id"


def test_every_other_table_is_knowingly_unrestricted() -> None:
    declared = _declared_tables()
    assert {t.name for t in metadata.sorted_tables} - set(declared) == UNRESTRICTED


def test_scoped_restores_the_previous_scope() -> None:
    assert tenant_scope.current_scope() is None
    assert tenant_scope.setting_value() == ""
    with tenant_scope.scoped(tenant_scope.ALL_TENANTS):
        assert tenant_scope.setting_value() == "*"
        with tenant_scope.scoped("tenant-a"):
            assert tenant_scope.setting_value() == "tenant-a"
        assert tenant_scope.current_scope() == "*"
    assert tenant_scope.current_scope() is None


def test_an_empty_scope_is_refused() -> None:
    with pytest.raises(ValueError):
        tenant_scope.set_scope("")


def test_the_scope_is_set_at_begin_only_on_postgresql(tmp_path: Path) -> None:
    sqlite = database.create_database_engine(
        Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", master_key_file=tmp_path / "k")
    )
    postgres = database.create_database_engine(
        Settings(database_url="postgresql://u:p@127.0.0.1:1/db", master_key_file=tmp_path / "k")
    )
    try:
        # The dialect's do_begin (inside SQLAlchemy's disconnect handling), not a listener.
        assert sqlite.dialect.do_begin != database._begin_with_tenant_scope
        assert postgres.dialect.do_begin == database._begin_with_tenant_scope
    finally:
        sqlite.dispose()
        postgres.dispose()
