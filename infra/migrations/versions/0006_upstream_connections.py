"""bring your own OAuth: upstream connections, linked identities, upstream flows

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 14:00:00.000000

An organization's upstream OAuth / OpenID Connect apps (secrets as envelopes), the upstream
accounts linked to its customers (with their upstream tokens as envelopes), and the
sign-ins in flight at an upstream (idgate.identity.upstream). On PostgreSQL each table gets
the same row-level security policy as migration 0003's.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = "tenant_isolation"
TENANT_OWNED_TABLES: dict[str, str] = {
    "upstream_connections": "tenant_id",
    "upstream_identities": "tenant_id",
    "upstream_flows": "tenant_id",
}


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"],
        ["tenants.id"],
        name=op.f(f"fk_{table}_tenant_id_tenants"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "upstream_connections",
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("id", sa.String(length=63), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("client_secret", sa.LargeBinary(), nullable=False),
        sa.Column("issuer", sa.Text(), nullable=True),
        sa.Column("microsoft_tenant", sa.String(length=64), nullable=True),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        _tenant_fk("upstream_connections"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_upstream_connections")),
    )
    op.create_table(
        "upstream_identities",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("connection_id", sa.String(length=63), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("linked_at", sa.Float(), nullable=False),
        sa.Column("last_used_at", sa.Float(), nullable=True),
        sa.Column("access_token", sa.LargeBinary(), nullable=True),
        sa.Column("refresh_token", sa.LargeBinary(), nullable=True),
        sa.Column("token_expires_at", sa.Float(), nullable=True),
        sa.Column("token_scope", sa.Text(), nullable=True),
        sa.Column("refresh_lease_until", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_upstream_identities_customer_id_customers"),
            ondelete="CASCADE",
        ),
        _tenant_fk("upstream_identities"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upstream_identities")),
        sa.UniqueConstraint(
            "tenant_id", "connection_id", "subject", name="uq_upstream_identities_subject"
        ),
        sa.UniqueConstraint(
            "tenant_id", "customer_id", "connection_id", name="uq_upstream_identities_customer"
        ),
    )
    op.create_table(
        "upstream_flows",
        sa.Column("state_digest", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("connection_id", sa.String(length=63), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("interaction_digest", sa.String(length=64), nullable=True),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=True),
        sa.Column("browser_digest", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        _tenant_fk("upstream_flows"),
        sa.PrimaryKeyConstraint("state_digest", name=op.f("pk_upstream_flows")),
    )
    op.create_index(
        op.f("ix_upstream_flows_interaction_digest"), "upstream_flows", ["interaction_digest"]
    )
    op.create_index(op.f("ix_upstream_flows_expires_at"), "upstream_flows", ["expires_at"])
    if op.get_bind().dialect.name == "postgresql":
        _enable_row_level_security()


def _enable_row_level_security() -> None:
    setting = "current_setting('app.tenant_id', true)"
    predicate = f"({setting} = '*' OR tenant_id = {setting})"
    for table in TENANT_OWNED_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {POLICY} ON {table} USING {predicate} WITH CHECK {predicate}")


def downgrade() -> None:
    op.drop_table("upstream_flows")
    op.drop_table("upstream_identities")
    op.drop_table("upstream_connections")
