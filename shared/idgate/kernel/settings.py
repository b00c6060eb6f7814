"""Process settings, read once from ``IDGATE_*`` environment variables.

Per-tenant policy lives in the database; this module only holds what a process needs to
start: where the database is, the public URL the issuers derive from, and which key and
mail providers to use. Unsafe combinations are refused at start-up in production mode.

Secrets never leave through this module: ``master_key`` is a ``SecretStr``, the database
URLs (which may carry a password) are left out of the repr, validation errors do not echo
their input, and anything printed or logged shows a URL through ``redacted_url``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

_REPO_ROOT = Path(__file__).resolve().parents[3]


class Settings(BaseSettings):
    # A validation error would otherwise quote every input, database password included.
    model_config = SettingsConfigDict(
        env_prefix="IDGATE_", extra="ignore", hide_input_in_errors=True
    )

    env: Literal["local", "production"] = "local"
    database_url: str = Field(default="sqlite:///./idgate.db", repr=False)
    # Migrations run as the schema owner when set; the service then connects (database_url)
    # as a role bound by row-level security (infra/postgres/create_app_role.sql).
    migration_database_url: str | None = Field(default=None, repr=False)
    public_url: str | None = None
    master_key: SecretStr | None = None
    master_key_file: Path = Path(".idgate/master.key")
    key_provider: Literal["local", "kms"] = "local"
    kms_key_id: str | None = None
    aws_endpoint_url: str | None = None
    mail_provider: Literal["outbox", "ses"] = "outbox"
    mail_from: str = "no-reply@idgate.local"
    migrations_dir: Path = _REPO_ROOT / "infra" / "migrations"
    # Connections open on demand: a Lambda process (one request at a time) holds one, a
    # server up to db_pool_size, and no overflow connection is opened and closed per burst.
    db_pool_size: int = 8
    db_max_overflow: int = 0
    # How long a request waits on an unavailable database before it answers 503: SQLite's
    # busy timeout (a write lock held by another connection) and PostgreSQL's connect
    # timeout (whole seconds, at least 2).
    db_timeout_seconds: float = Field(default=5.0, gt=0)
    # Signing and verification keys, data keys, discovery documents.
    cache_ttl_seconds: float = 30.0
    # Tenant status, client secrets and redirect URIs (kernel.runtime.SECURITY_CACHE_KINDS).
    security_cache_ttl_seconds: float = 5.0
    log_level: str = "INFO"
    # How often the platform server purges expired rows (oauth.retention); 0 = never (e.g.
    # when a scheduled job such as the maintenance function does it instead).
    purge_interval_seconds: float = Field(default=600.0, ge=0)
    # How long a rotated signing key is published in the JWKS before it signs (keys.
    # key_rotation). Relying parties must have it by then: a JWKS answer may be cached for
    # its max-age (300 s) after a process served it from its own cache (cache_ttl_seconds),
    # and common RP libraries keep a key set for 10 minutes whatever the header says; 15
    # minutes covers all three with room to spare.
    key_rotation_delay_seconds: float = Field(default=900.0, ge=0)
    # Per client IP and organization (0: no limit), answered 429 with Retry-After once over:
    # failed password sign-ins in a fixed window counted in the database, so the limit holds
    # across processes and Lambda instances (identity.sign_in_limits);
    sign_in_failures_per_ip: int = Field(default=30, ge=0)
    sign_in_failure_window_seconds: float = Field(default=600.0, gt=0)
    # token endpoint failures (invalid_client, invalid_grant) in a token bucket of each
    # process, so its hot path writes nothing (oauth.token_failure_limit): bursts of this
    # many, refilled at this many per window;
    token_failures_per_ip: int = Field(default=30, ge=0)
    token_failure_window_seconds: float = Field(default=60.0, gt=0)
    # wrong device user codes, in the 15-minute window of oauth.device_verification (RFC
    # 8628 §5.1; the signed-in end user is limited to 5 besides).
    user_code_failures_per_ip: int = Field(default=20, ge=0)
    # Self-service requests that send mail (sign-up, forgot password, email sign-in,
    # verification resends), each kind counted per email and per client IP in a fixed
    # window in the database (identity.account.request_limits); 0: no limit.
    account_requests_per_email: int = Field(default=5, ge=0)
    account_requests_per_ip: int = Field(default=30, ge=0)
    account_request_window_seconds: float = Field(default=3600.0, gt=0)
    # How long raw analytics events (sign-ins, customers created and deleted, logouts, ...)
    # and the customers' days of activity are kept; their rollups are kept forever.
    analytics_retention_days: int = Field(default=90, ge=1)
    # How often the platform server rolls the analytics events up (analytics.rollup); 0 =
    # never (e.g. when the analytics function's schedule does it instead).
    analytics_rollup_interval_seconds: float = Field(default=300.0, ge=0)

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.key_provider == "kms" and not self.kms_key_id:
            raise ValueError("IDGATE_KMS_KEY_ID is required when IDGATE_KEY_PROVIDER=kms")
        if self.env == "production":
            if not self.public_url or not self.public_url.startswith("https://"):
                raise ValueError("IDGATE_PUBLIC_URL must be an https:// URL in production")
            if self.key_provider == "local" and not self.master_key:
                raise ValueError(
                    "production needs IDGATE_MASTER_KEY or IDGATE_KEY_PROVIDER=kms; "
                    "a key file on local disk is for development only"
                )
        return self

    @property
    def redacted_database_url(self) -> str:
        """The database URL as it may be printed or logged: its password masked."""
        return redacted_url(self.database_url)

    @property
    def secure_cookies(self) -> bool:
        return bool(self.public_url and self.public_url.startswith("https://"))


def redacted_url(url: str) -> str:
    """``url`` with its password masked (``***``), for start-up lines, logs and errors."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # unparseable: it may still hold a password, so show none of it
        return "<a database URL that does not parse>"
