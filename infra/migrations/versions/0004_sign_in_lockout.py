"""sign-in lockout

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 10:15:00.000000

Failed password sign-ins per (tenant, email), for the lockout in idgate.identity.lockout;
on PostgreSQL the table gets the same row-level security policy as migration 0003's.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = "tenant_isolation"
TENANT_OWNED_TABLES: dict[str, str] = {"sign_in_failures": "tenant_id"}


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.Float(), nullable=False),
        sa.Column("locked_until", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_sign_in_failures_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "email", name=op.f("pk_sign_in_failures")),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    setting = "current_setting('app.tenant_id', true)"
    predicate = f"({setting} = '*' OR tenant_id = {setting})"
    op.execute("ALTER TABLE sign_in_failures ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE sign_in_failures FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY {POLICY} ON sign_in_failures USING {predicate} WITH CHECK {predicate}"
    )


def downgrade() -> None:
    op.drop_table("sign_in_failures")
