"""sign-in events; indexes for the purge job

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 15:00:00.000000

Every sign-in attempt becomes a row of ``sign_in_events`` (idgate.analytics.sign_in_events)
instead of a ``login.failed`` link of the hash-chained audit log, so a burst of failures no
longer serializes one organization's sign-ins on the chain head. And every timestamp the
purge job (idgate.oauth.retention) filters on gets an index, as does
``authorization_codes.family_id`` (deleting a family cascades to its codes), so a purge
reads what it deletes instead of scanning whole tables. On PostgreSQL the new table gets
the same row-level security policy as migration 0003's.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = "tenant_isolation"
TENANT_OWNED_TABLES: dict[str, str] = {"sign_in_events": "tenant_id"}
PURGE_INDEXES = (
    ("ix_interactions_expires_at", "interactions", "expires_at"),
    ("ix_device_codes_expires_at", "device_codes", "expires_at"),
    ("ix_sessions_expires_at", "sessions", "expires_at"),
    ("ix_authorization_codes_expires_at", "authorization_codes", "expires_at"),
    ("ix_authorization_codes_family", "authorization_codes", "family_id"),
    ("ix_token_families_created_at", "token_families", "created_at"),
    ("ix_revoked_access_tokens_expires_at", "revoked_access_tokens", "expires_at"),
    ("ix_mail_outbox_created_at", "mail_outbox", "created_at"),
)


def upgrade() -> None:
    op.create_table(
        "sign_in_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("method", sa.String(length=80), nullable=False),
        sa.Column("client_id", sa.String(length=128), nullable=True),
        sa.Column("customer_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_sign_in_events_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_events")),
    )
    op.create_index("ix_sign_in_events_tenant_at", "sign_in_events", ["tenant_id", "at"])
    for name, table, column in PURGE_INDEXES:
        op.create_index(name, table, [column])
    if op.get_bind().dialect.name != "postgresql":
        return
    setting = "current_setting('app.tenant_id', true)"
    predicate = f"({setting} = '*' OR tenant_id = {setting})"
    op.execute("ALTER TABLE sign_in_events ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE sign_in_events FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY {POLICY} ON sign_in_events USING {predicate} WITH CHECK {predicate}")


def downgrade() -> None:
    for name, table, _column in PURGE_INDEXES:
        op.drop_index(name, table_name=table)
    op.drop_table("sign_in_events")
