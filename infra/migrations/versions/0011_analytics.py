"""analytics: events, activity per day, hourly and daily rollups

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 10:00:00.000000

The tables of idgate.analytics: ``analytics_events`` (customers created and deleted,
logouts, lockouts, refresh-token reuse) and ``customer_active_days`` are raw and purged
after IDGATE_ANALYTICS_RETENTION_DAYS (idgate.oauth.retention); the rollups
(``sign_in_hourly``, ``sign_in_daily``, ``platform_sign_in_hourly``, ``event_hourly``,
``token_grants_hourly``, ``active_customers_daily``) are kept forever, and
``analytics_watermarks`` says how far the rollup job has read. ``sign_in_events`` gets an
index on ``at`` for the purge. Customers that exist already are counted as created in the
hour of their ``created_at``, so growth totals start right. On PostgreSQL the tenant-owned
tables get the same row-level security policy as migration 0003's.
"""

from collections import Counter
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = "tenant_isolation"
TENANT_OWNED_TABLES: dict[str, str] = {
    "analytics_events": "tenant_id",
    "customer_active_days": "tenant_id",
    "sign_in_hourly": "tenant_id",
    "sign_in_daily": "tenant_id",
    "event_hourly": "tenant_id",
    "token_grants_hourly": "tenant_id",
    "active_customers_daily": "tenant_id",
}


def _tenant_id(table: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "tenant_id",
        sa.String(length=36),
        sa.ForeignKey("tenants.id", name=f"fk_{table}_tenant_id_tenants", ondelete="CASCADE"),
        nullable=False,
    )


def _counts(*names: str) -> list[sa.Column]:  # type: ignore[type-arg]
    return [sa.Column(name, sa.Integer(), nullable=False) for name in names]


def upgrade() -> None:
    op.create_index("ix_sign_in_events_at", "sign_in_events", ["at"])
    _create_raw_tables()
    _create_rollups()
    _backfill_customers_created()
    if op.get_bind().dialect.name != "postgresql":
        return
    setting = "current_setting('app.tenant_id', true)"
    predicate = f"({setting} = '*' OR tenant_id = {setting})"
    for table in TENANT_OWNED_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {POLICY} ON {table} USING {predicate} WITH CHECK {predicate}")


def _create_raw_tables() -> None:
    op.create_table(
        "analytics_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _tenant_id("analytics_events"),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_events")),
    )
    op.create_index("ix_analytics_events_tenant_at", "analytics_events", ["tenant_id", "at"])
    op.create_index("ix_analytics_events_at", "analytics_events", ["at"])
    op.create_table(
        "customer_active_days",
        _tenant_id("customer_active_days"),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "day", "customer_id", name=op.f("pk_customer_active_days")
        ),
    )
    op.create_index("ix_customer_active_days_day", "customer_active_days", ["day"])


def _create_rollups() -> None:
    _rollup("sign_in_hourly", ["hour", "client_id", "method"], _counts("success", "failure"))
    _rollup("sign_in_daily", ["day"], _counts("success", "failure"))
    op.create_index("ix_sign_in_daily_day", "sign_in_daily", ["day"])
    op.create_table(
        "platform_sign_in_hourly",
        sa.Column("hour", sa.Integer(), nullable=False),
        *_counts("success", "failure"),
        sa.PrimaryKeyConstraint("hour", name=op.f("pk_platform_sign_in_hourly")),
    )
    _rollup("event_hourly", ["hour", "kind"], _counts("count"))
    op.create_index("ix_event_hourly_kind_hour", "event_hourly", ["kind", "hour"])
    _rollup("token_grants_hourly", ["hour", "grant_type", "outcome"], _counts("count"))
    _rollup("active_customers_daily", ["day"], _counts("dau", "wau", "mau", "month_to_date"))
    op.create_index("ix_active_customers_daily_day", "active_customers_daily", ["day"])
    op.create_table(
        "analytics_watermarks",
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_analytics_watermarks")),
    )


_KEY_TYPES = {
    "hour": sa.Integer(),
    "day": sa.Integer(),
    "client_id": sa.String(length=128),
    "method": sa.String(length=80),
    "kind": sa.String(length=32),
    "grant_type": sa.String(length=80),
    "outcome": sa.String(length=32),
}


def _rollup(table: str, keys: list[str], counts: list[sa.Column]) -> None:  # type: ignore[type-arg]
    op.create_table(
        table,
        _tenant_id(table),
        *[sa.Column(key, _KEY_TYPES[key], nullable=False) for key in keys],
        *counts,
        sa.PrimaryKeyConstraint("tenant_id", *keys, name=op.f(f"pk_{table}")),
    )


def _backfill_customers_created() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":  # the migration role sees every tenant's rows
        bind.execute(sa.text("SELECT set_config('app.tenant_id', '*', true)"))
    rows = bind.execute(sa.text("SELECT tenant_id, created_at FROM customers")).all()
    created = Counter((tenant_id, int(at // 3600)) for tenant_id, at in rows)
    if created:
        op.bulk_insert(
            sa.table(
                "event_hourly",
                sa.column("tenant_id"),
                sa.column("hour"),
                sa.column("kind"),
                sa.column("count"),
            ),
            [
                {"tenant_id": t, "hour": h, "kind": "customer_created", "count": n}
                for (t, h), n in created.items()
            ],
        )


def downgrade() -> None:
    for table in (
        "analytics_watermarks",
        "active_customers_daily",
        "token_grants_hourly",
        "event_hourly",
        "platform_sign_in_hourly",
        "sign_in_daily",
        "sign_in_hourly",
        "customer_active_days",
        "analytics_events",
    ):
        op.drop_table(table)
    op.drop_index("ix_sign_in_events_at", table_name="sign_in_events")
