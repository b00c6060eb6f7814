"""customer self-service: organization policy, account links, session details, HTML mail

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 19:00:00.000000

- ``tenants.policy``: the organization's self-service policy as JSON (idgate.tenancy.
  policy); empty means the defaults.
- ``account_tokens``: the single-use links (and email sign-in codes) of sign-up
  verification, password reset and email sign-in (idgate.identity.account.account_tokens),
  stored as digests, with an index on ``expires_at`` for the purge job. On PostgreSQL the
  table gets the same row-level security policy as migration 0003's.
- ``sessions``: the browser and address a session started from and when it was last seen,
  for the account page's list of sessions.
- ``mail_outbox.html_body``: every mail now has an HTML part besides the text one.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = "tenant_isolation"
TENANT_OWNED_TABLES: dict[str, str] = {"account_tokens": "tenant_id"}


def upgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.add_column(sa.Column("policy", sa.JSON(), nullable=True))
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("user_agent", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("ip", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("last_seen_at", sa.Float(), nullable=True))
    with op.batch_alter_table("mail_outbox") as batch:
        batch.add_column(sa.Column("html_body", sa.Text(), nullable=True))
    _create_account_tokens()
    if op.get_bind().dialect.name != "postgresql":
        return
    setting = "current_setting('app.tenant_id', true)"
    predicate = f"({setting} = '*' OR tenant_id = {setting})"
    op.execute("ALTER TABLE account_tokens ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE account_tokens FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY {POLICY} ON account_tokens USING {predicate} WITH CHECK {predicate}")


def _create_account_tokens() -> None:
    op.create_table(
        "account_tokens",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=24), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("code_digest", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("interaction_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("used_at", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_account_tokens_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_account_tokens_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_tokens")),
        sa.UniqueConstraint("digest", name=op.f("uq_account_tokens_digest")),
    )
    op.create_index("ix_account_tokens_customer", "account_tokens", ["customer_id", "purpose"])
    op.create_index("ix_account_tokens_expires_at", "account_tokens", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_account_tokens_expires_at", table_name="account_tokens")
    op.drop_index("ix_account_tokens_customer", table_name="account_tokens")
    op.drop_table("account_tokens")
    with op.batch_alter_table("mail_outbox") as batch:
        batch.drop_column("html_body")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("last_seen_at")
        batch.drop_column("ip")
        batch.drop_column("user_agent")
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("policy")
