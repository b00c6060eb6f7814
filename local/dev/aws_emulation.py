"""``idgate serve --emulate-aws``: the AWS providers (KMS key wrapping, SES mail) against
moto's server running in this process, so the serverless code paths run on a laptop.

The emulated KMS key lives only as long as the process, so whatever it wrapped cannot be
opened by a later run: the server uses a database of its own for emulation, recreated on
every start (see ``local.dev.server.run``).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from idgate.kernel.runtime import Runtime
from idgate.kernel.settings import Settings
from idgate.keys.data_keys import tenant_data_key
from idgate.storage import database
from idgate.storage.tables import tenant_data_keys
from idgate.storage.tenant_scope import ALL_TENANTS, scoped

REGION = "us-east-1"
EMULATED_DATABASE_FILE = "idgate-emulated.db"
_DUMMY_ENV = {
    "AWS_ACCESS_KEY_ID": "emulated",
    "AWS_SECRET_ACCESS_KEY": "emulated",  # noqa: S105 - moto accepts any credentials
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}
_CLEARED_ENV = ("AWS_SESSION_TOKEN", "AWS_PROFILE")


@dataclass
class AwsEmulation:
    server: Any
    endpoint_url: str
    kms_key_id: str
    settings_overrides: dict[str, Any]
    _saved_env: dict[str, str | None] = field(default_factory=dict, repr=False)

    def stop(self) -> None:
        """Stop the server and put the AWS environment variables back as they were."""
        self.server.stop()
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def start_aws_emulation(*, mail_from: str) -> AwsEmulation:
    """Start moto on a free local port with dummy credentials (real ones never leave the
    machine), create a KMS key and an SES identity for the sender's domain, and return the
    settings that select the AWS providers."""
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # it logs every request otherwise
    saved = {name: os.environ.get(name) for name in (*_DUMMY_ENV, *_CLEARED_ENV)}
    os.environ.update(_DUMMY_ENV)
    for name in _CLEARED_ENV:
        os.environ.pop(name, None)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    try:
        kms = boto3.client("kms", region_name=REGION, endpoint_url=url)
        key = kms.create_key(Description="idgate emulated key-encryption key")
        key_id = key["KeyMetadata"]["KeyId"]
        sesv2 = boto3.client("sesv2", region_name=REGION, endpoint_url=url)
        sesv2.create_email_identity(EmailIdentity=mail_from.rpartition("@")[2])
    except Exception:
        AwsEmulation(server, url, "", {}, saved).stop()
        raise
    overrides = {
        "key_provider": "kms",
        "kms_key_id": key_id,
        "aws_endpoint_url": url,
        "mail_provider": "ses",
    }
    return AwsEmulation(server, url, key_id, overrides, saved)


def fresh_emulated_database(directory: str = ".") -> str:
    """The default database URL under emulation, deleting the previous run's file (its data
    keys were wrapped by a KMS key that no longer exists)."""
    path = os.path.join(directory, EMULATED_DATABASE_FILE)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    return f"sqlite:///{path}"


def emulate(settings: Settings) -> tuple[Settings, AwsEmulation]:
    """Start the emulation and return the settings that use it, saying clearly which
    database the server will use."""
    emulation = start_aws_emulation(mail_from=settings.mail_from)
    updates = dict(emulation.settings_overrides)
    if "database_url" in settings.model_fields_set:
        note = "IDGATE_DATABASE_URL; data keys wrapped by another key will not open"
    else:
        updates["database_url"] = fresh_emulated_database()
        note = "a database of its own, recreated on every start, as the KMS key is in memory"
    emulated = settings.model_copy(update=updates)
    print(
        f"AWS emulation (moto) at {emulation.endpoint_url}: KMS key {emulation.kms_key_id}, "
        f"SES identity for {settings.mail_from}\n"
        f"  database: {emulated.redacted_database_url} ({note})",
        flush=True,
    )
    return emulated, emulation


def check_data_keys_open(rt: Runtime) -> None:
    """Refuse, in one line, a database whose data keys another key-encryption key wrapped."""
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        tenant_id = conn.execute(select(tenant_data_keys.c.tenant_id).limit(1)).scalar()
    if tenant_id is None:
        return
    try:
        with scoped(tenant_id):
            tenant_data_key(rt, tenant_id)
    except Exception:
        raise SystemExit(
            f"error: the data keys in {rt.settings.redacted_database_url} were wrapped by another "
            "key-encryption key; use a fresh database with --emulate-aws"
        ) from None
