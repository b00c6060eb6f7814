"""device user-code attempt limit

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 11:00:00.000000

Failed user-code entries on the device verification page per (tenant, key), where the key
names the signed-in end user or the client IP, for the attempt limit of RFC 8628 §5.1 in
idgate.oauth.device_verification; on PostgreSQL the table gets the same row-level
security policy as migration 0003's.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = "tenant_isolation"
TENANT_OWNED_TABLES: dict[str, str] = {"user_code_failures": "tenant_id"}


def upgrade() -> None:
    op.create_table(
        "user_code_failures",
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_user_code_failures_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "key", name=op.f("pk_user_code_failures")),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    setting = "current_setting('app.tenant_id', true)"
    predicate = f"({setting} = '*' OR tenant_id = {setting})"
    op.execute("ALTER TABLE user_code_failures ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE user_code_failures FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY {POLICY} ON user_code_failures USING {predicate} WITH CHECK {predicate}"
    )


def downgrade() -> None:
    op.drop_table("user_code_failures")
