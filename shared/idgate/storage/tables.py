"""SQLAlchemy Core tables: the one schema for SQLite and PostgreSQL.

Every tenant-owned table carries ``tenant_id``. Bearer artifacts (codes, refresh tokens,
device codes, session cookies, interaction ids) are stored only as SHA-256 digests in a
``digest`` column; times are UNIX seconds as floats so both databases compare them the
same way.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _tenant_fk() -> Column[str]:
    return Column(
        "tenant_id", String(36), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
    )


tenants = Table(
    "tenants",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("slug", String(63), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("tier", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    # The self-service policy (tenancy.policy); NULL: the defaults.
    Column("policy", JSON),
)

tenant_data_keys = Table(
    "tenant_data_keys",
    metadata,
    Column("tenant_id", String(36), ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("provider", String(16), nullable=False),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("created_at", Float, nullable=False),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("kid", String(64), primary_key=True),
    _tenant_fk(),
    Column("alg", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("private_key", LargeBinary, nullable=False),
    Column("public_jwk", JSON, nullable=False),
    Column("created_at", Float, nullable=False),
    # Key rotation (keys.key_rotation): when a "next" key starts signing, and when a key
    # stopped signing (the purge removes it once every token it signed has expired).
    Column("activates_at", Float),
    Column("retired_at", Float),
    Index("ix_signing_keys_tenant_alg", "tenant_id", "alg", "status"),
)

clients = Table(
    "clients",
    metadata,
    Column("id", String(36), primary_key=True),
    _tenant_fk(),
    Column("client_id", String(128), nullable=False),
    Column("name", String(200), nullable=False),
    Column("client_type", String(16), nullable=False),
    Column("secret_digest", String(64)),
    Column("redirect_uris", JSON, nullable=False),
    Column("post_logout_redirect_uris", JSON, nullable=False),
    Column("grant_types", JSON, nullable=False),
    Column("scopes", JSON, nullable=False),
    Column("id_token_alg", String(16), nullable=False),
    Column("access_token_ttl", Integer, nullable=False),
    Column("refresh_token_ttl", Integer, nullable=False),
    Column("audience", String(200)),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("tenant_id", "client_id", name="uq_clients_tenant_client_id"),
)

customers = Table(
    "customers",
    metadata,
    Column("id", String(36), primary_key=True),
    _tenant_fk(),
    Column("email", String(320), nullable=False),
    Column("email_verified", Boolean, nullable=False),
    Column("name", String(200)),
    Column("password_hash", Text),
    Column("disabled", Boolean, nullable=False),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("tenant_id", "email", name="uq_customers_tenant_email"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(36), primary_key=True),
    _tenant_fk(),
    Column("digest", String(64), nullable=False, unique=True),
    Column(
        "customer_id", String(36), ForeignKey("customers.id", ondelete="CASCADE"), nullable=False
    ),
    Column("auth_time", Float, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("ended_at", Float),
    Column("user_agent", String(300)),
    Column("ip", String(64)),
    Column("last_seen_at", Float),
    Index("ix_sessions_customer", "customer_id"),
    Index("ix_sessions_expires_at", "expires_at"),
)

consents = Table(
    "consents",
    metadata,
    _tenant_fk(),
    Column(
        "customer_id", String(36), ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("client_id", String(128), primary_key=True),
    Column("scopes", JSON, nullable=False),
    Column("granted_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

interactions = Table(
    "interactions",
    metadata,
    Column("digest", String(64), primary_key=True),
    _tenant_fk(),
    Column("kind", String(16), nullable=False),
    Column("params", JSON, nullable=False),
    Column("login_session_id", String(36)),
    Column("consent_given", Boolean, nullable=False),
    Column("expires_at", Float, nullable=False),
    Index("ix_interactions_expires_at", "expires_at"),
)

token_families = Table(
    "token_families",
    metadata,
    Column("id", String(36), primary_key=True),
    _tenant_fk(),
    Column("client_id", String(128), nullable=False),
    Column("customer_id", String(36), ForeignKey("customers.id", ondelete="CASCADE")),
    Column("session_id", String(36)),
    Column("scope", Text, nullable=False),
    Column("auth_time", Float),
    Column("created_at", Float, nullable=False),
    Column("revoked_at", Float),
    Index("ix_token_families_session", "session_id"),
    Index("ix_token_families_customer", "customer_id"),
    Index("ix_token_families_created_at", "created_at"),
)

authorization_codes = Table(
    "authorization_codes",
    metadata,
    Column("digest", String(64), primary_key=True),
    _tenant_fk(),
    Column(
        "family_id", String(36), ForeignKey("token_families.id", ondelete="CASCADE"), nullable=False
    ),
    Column("client_id", String(128), nullable=False),
    Column("redirect_uri", Text, nullable=False),
    Column("code_challenge", String(128), nullable=False),
    Column("nonce", Text),
    Column("expires_at", Float, nullable=False),
    Column("consumed_at", Float),
    Index("ix_authorization_codes_expires_at", "expires_at"),
    Index("ix_authorization_codes_family", "family_id"),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("digest", String(64), primary_key=True),
    _tenant_fk(),
    Column(
        "family_id", String(36), ForeignKey("token_families.id", ondelete="CASCADE"), nullable=False
    ),
    Column("client_id", String(128), nullable=False),
    Column("scope", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("used_at", Float),
    Index("ix_refresh_tokens_family", "family_id"),
)

revoked_access_tokens = Table(
    "revoked_access_tokens",
    metadata,
    Column("jti", String(64), primary_key=True),
    _tenant_fk(),
    Column("expires_at", Float, nullable=False),
    Index("ix_revoked_access_tokens_expires_at", "expires_at"),
)

device_codes = Table(
    "device_codes",
    metadata,
    Column("digest", String(64), primary_key=True),
    _tenant_fk(),
    Column("user_code_digest", String(64), nullable=False, unique=True),
    Column("client_id", String(128), nullable=False),
    Column("scope", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("interval", Integer, nullable=False),
    Column("last_polled_at", Float),
    Column("customer_id", String(36), ForeignKey("customers.id", ondelete="CASCADE")),
    Column("auth_time", Float),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Index("ix_device_codes_expires_at", "expires_at"),
)

mail_outbox = Table(
    "mail_outbox",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("tenant_id", String(36)),
    Column("sender", String(320), nullable=False),
    Column("recipient", String(320), nullable=False),
    Column("subject", Text, nullable=False),
    Column("text_body", Text, nullable=False),
    Column("html_body", Text),
    Column("created_at", Float, nullable=False),
    Index("ix_mail_outbox_created_at", "created_at"),
)

# Single-use links (and email sign-in codes) of self-service, as digests
# (identity.account.account_tokens).
account_tokens = Table(
    "account_tokens",
    metadata,
    Column("id", String(36), primary_key=True),
    _tenant_fk(),
    Column(
        "customer_id", String(36), ForeignKey("customers.id", ondelete="CASCADE"), nullable=False
    ),
    Column("purpose", String(24), nullable=False),
    Column("digest", String(64), nullable=False, unique=True),
    Column("code_digest", String(64)),
    Column("attempts", Integer, nullable=False),
    Column("email", String(320), nullable=False),
    Column("interaction_id", String(36)),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("used_at", Float),
    Index("ix_account_tokens_customer", "customer_id", "purpose"),
    Index("ix_account_tokens_expires_at", "expires_at"),
)

# Control plane (tiers, memberships, audit) -------------------------------------------------

tiers = Table(
    "tiers",
    metadata,
    Column("name", String(16), primary_key=True),
    Column("max_applications", Integer, nullable=False),
    Column("max_monthly_active_customers", Integer, nullable=False),
    Column("byo_oauth_allowed", Boolean, nullable=False),
)

memberships = Table(
    "memberships",
    metadata,
    Column("tenant_id", String(36), ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "operator_id", String(36), ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("role", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Index("ix_memberships_operator", "operator_id"),
)

customer_activity = Table(
    "customer_activity",
    metadata,
    Column("tenant_id", String(36), ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column(
        "customer_id", String(36), ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    ),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("tenant_id", String(36), ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", Float, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(200)),
    Column("request_id", String(64)),
    Column("ip", String(64)),
    Column("details", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_events_action", "tenant_id", "action", "seq"),
)

sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("tenant_id", String(36), ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("email", String(320), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_started_at", Float, nullable=False),
    Column("locked_until", Float),
)

user_code_failures = Table(
    "user_code_failures",
    metadata,
    Column("tenant_id", String(36), ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(100), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_started_at", Float, nullable=False),
)

# Failures counted per (tenant, key) in a fixed window for the limits that must hold across
# processes (storage.window_counters): failed sign-ins per client network (identity.
# sign_in_limits); the same columns as user_code_failures, counted by the same code.
rate_limit_counters = Table(
    "rate_limit_counters",
    metadata,
    Column("tenant_id", String(36), ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(100), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_started_at", Float, nullable=False),
    # The purge's filter: addresses of a distributed attack leave one row each.
    Index("ix_rate_limit_counters_window_started_at", "window_started_at"),
)

# Bring your own OAuth (identity.upstream): an organization's upstream OAuth / OpenID apps,
# the upstream accounts linked to its customers, and sign-ins in flight at an upstream.
upstream_connections = Table(
    "upstream_connections",
    metadata,
    Column("tenant_id", String(36), ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("id", String(63), primary_key=True),
    Column("provider", String(16), nullable=False),
    Column("name", String(200), nullable=False),
    Column("client_id", String(255), nullable=False),
    Column("client_secret", LargeBinary, nullable=False),  # AES-GCM envelope
    Column("issuer", Text),
    Column("microsoft_tenant", String(64)),
    Column("scopes", JSON, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

upstream_identities = Table(
    "upstream_identities",
    metadata,
    Column("id", String(36), primary_key=True),
    _tenant_fk(),
    Column(
        "customer_id", String(36), ForeignKey("customers.id", ondelete="CASCADE"), nullable=False
    ),
    Column("connection_id", String(63), nullable=False),
    Column("subject", String(255), nullable=False),
    Column("email", String(320)),
    Column("linked_at", Float, nullable=False),
    Column("last_used_at", Float),
    Column("access_token", LargeBinary),  # AES-GCM envelopes
    Column("refresh_token", LargeBinary),
    Column("token_expires_at", Float),
    Column("token_scope", Text),
    Column("refresh_lease_until", Float),
    UniqueConstraint(
        "tenant_id", "connection_id", "subject", name="uq_upstream_identities_subject"
    ),
    UniqueConstraint(
        "tenant_id", "customer_id", "connection_id", name="uq_upstream_identities_customer"
    ),
)

upstream_flows = Table(
    "upstream_flows",
    metadata,
    Column("state_digest", String(64), primary_key=True),
    _tenant_fk(),
    Column("connection_id", String(63), nullable=False),
    Column("purpose", String(16), nullable=False),
    Column("stage", String(16), nullable=False),
    Column("interaction_digest", String(64), index=True),
    Column("sealed", LargeBinary, nullable=False),  # envelope of the flow's secrets
    Column("customer_id", String(36)),
    Column("browser_digest", String(64), nullable=False),
    Column("nonce", String(64), nullable=False),
    Column("expires_at", Float, nullable=False, index=True),
)

# Every sign-in attempt (analytics.sign_in_events): the counts of sign-ins and failures, kept
# apart from the hash-chained audit log so that failures never serialize on its head.
sign_in_events = Table(
    "sign_in_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _tenant_fk(),
    Column("at", Float, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("reason", String(32)),
    Column("method", String(80), nullable=False),
    Column("client_id", String(128)),
    Column("customer_id", String(36)),
    Index("ix_sign_in_events_tenant_at", "tenant_id", "at"),
    Index("ix_sign_in_events_at", "at"),  # the purge's filter, across tenants
)

# Analytics (idgate.analytics): raw events kept IDGATE_ANALYTICS_RETENTION_DAYS (purged by
# oauth.retention), and rollups kept forever. Hours and days are whole hours and days since
# the UNIX epoch (UTC), so both databases compare and group them as integers.
analytics_events = Table(
    "analytics_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _tenant_fk(),
    Column("at", Float, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("customer_id", String(36)),
    Index("ix_analytics_events_tenant_at", "tenant_id", "at"),
    Index("ix_analytics_events_at", "at"),
)

# Distinct customers with a successful sign-in or a refresh per day; no foreign key to the
# customer, so a deleted customer's past activity still counts.
customer_active_days = Table(
    "customer_active_days",
    metadata,
    Column("tenant_id", String(36), ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("day", Integer, primary_key=True),
    Column("customer_id", String(36), primary_key=True),
    Index("ix_customer_active_days_day", "day"),
)

sign_in_hourly = Table(
    "sign_in_hourly",
    metadata,
    Column("tenant_id", String(36), ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("hour", Integer, primary_key=True),
    Column("client_id", String(128), primary_key=True),  # '' when none
    Column("method", String(80), primary_key=True),
    Column("success", Integer, nullable=False),
    Column("failure", Integer, nullable=False),
)

sign_in_daily = Table(
    "sign_in_daily",
    metadata,
    Column("tenant_id", String(36), ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("day", Integer, primary_key=True),
    Column("success", Integer, nullable=False),
    Column("failure", Integer, nullable=False),
    Index("ix_sign_in_daily_day", "day"),
)

# Every organization's sign-ins together, so platform series read one row an hour.
platform_sign_in_hourly = Table(
    "platform_sign_in_hourly",
    metadata,
    Column("hour", Integer, primary_key=True),
    Column("success", Integer, nullable=False),
    Column("failure", Integer, nullable=False),
)

event_hourly = Table(
    "event_hourly",
    metadata,
    Column("tenant_id", String(36), ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("hour", Integer, primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("count", Integer, nullable=False),
    Index("ix_event_hourly_kind_hour", "kind", "hour"),
)

token_grants_hourly = Table(
    "token_grants_hourly",
    metadata,
    Column("tenant_id", String(36), ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("hour", Integer, primary_key=True),
    Column("grant_type", String(80), primary_key=True),
    Column("outcome", String(32), primary_key=True),
    Column("count", Integer, nullable=False),
)

active_customers_daily = Table(
    "active_customers_daily",
    metadata,
    Column("tenant_id", String(36), ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("day", Integer, primary_key=True),
    Column("dau", Integer, nullable=False),
    Column("wau", Integer, nullable=False),
    Column("mau", Integer, nullable=False),
    Column("month_to_date", Integer, nullable=False),
    Index("ix_active_customers_daily_day", "day"),
)

# How far each rollup source has been read (analytics.rollup): an event id or a day.
analytics_watermarks = Table(
    "analytics_watermarks",
    metadata,
    Column("source", String(32), primary_key=True),
    Column("position", Integer, nullable=False),
)
