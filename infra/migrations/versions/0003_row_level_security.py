"""row-level security

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 10:00:00.000000

PostgreSQL only (SQLite has no row-level security; there this revision does nothing).
Every tenant-owned table gets ``ENABLE`` + ``FORCE ROW LEVEL SECURITY`` (FORCE so the
owner, which runs the migrations, is bound too) and one policy admitting the rows whose
``tenant_id`` is the transaction's ``app.tenant_id`` setting, or every row when the setting
is ``'*'`` (platform-level work). ``tenants`` is restricted the same way by its ``id``, so a
tenant-scoped transaction sees only its own tenant; ``tiers`` holds no tenant data and stays
unrestricted. The application connects as a role that neither owns the tables nor has
BYPASSRLS (infra/postgres/create_app_role.sql).

The table list is frozen here on purpose (a migration must not change when the models do);
tests/unit/test_row_level_security_tables.py checks it against the current metadata, so a
new tenant-owned table fails the suite until a migration adds its policy.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = "tenant_isolation"

# table -> the column holding its tenant's id
TENANT_OWNED_TABLES: dict[str, str] = {
    "tenants": "id",
    "tenant_data_keys": "tenant_id",
    "signing_keys": "tenant_id",
    "clients": "tenant_id",
    "customers": "tenant_id",
    "sessions": "tenant_id",
    "consents": "tenant_id",
    "interactions": "tenant_id",
    "token_families": "tenant_id",
    "authorization_codes": "tenant_id",
    "refresh_tokens": "tenant_id",
    "revoked_access_tokens": "tenant_id",
    "device_codes": "tenant_id",
    "mail_outbox": "tenant_id",
    "memberships": "tenant_id",
    "customer_activity": "tenant_id",
    "audit_events": "tenant_id",
}


def _predicate(column: str) -> str:
    setting = "current_setting('app.tenant_id', true)"
    return f"({setting} = '*' OR {column} = {setting})"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in TENANT_OWNED_TABLES.items():
        predicate = _predicate(column)
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {POLICY} ON {table} USING {predicate} WITH CHECK {predicate}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in reversed(TENANT_OWNED_TABLES):
        op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
