"""rate limits: failure counters per client network

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 18:00:00.000000

``rate_limit_counters`` counts failures per (tenant, key) in fixed windows, for the limits
that must hold across processes (idgate.storage.window_counters): failed sign-ins per
client network (idgate.identity.sign_in_limits). The same columns as 0005's
``user_code_failures``, which the same code counts in; an index on ``window_started_at``
for the purge job (idgate.oauth.retention). On PostgreSQL the table gets the same
row-level security policy as migration 0003's.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = "tenant_isolation"
TENANT_OWNED_TABLES: dict[str, str] = {"rate_limit_counters": "tenant_id"}


def upgrade() -> None:
    op.create_table(
        "rate_limit_counters",
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_rate_limit_counters_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "key", name=op.f("pk_rate_limit_counters")),
    )
    op.create_index(
        "ix_rate_limit_counters_window_started_at", "rate_limit_counters", ["window_started_at"]
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    setting = "current_setting('app.tenant_id', true)"
    predicate = f"({setting} = '*' OR tenant_id = {setting})"
    op.execute("ALTER TABLE rate_limit_counters ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE rate_limit_counters FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY {POLICY} ON rate_limit_counters USING {predicate} WITH CHECK {predicate}"
    )


def downgrade() -> None:
    op.drop_index("ix_rate_limit_counters_window_started_at", table_name="rate_limit_counters")
    op.drop_table("rate_limit_counters")
