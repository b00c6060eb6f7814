"""``idgate serve --emulate-aws``: moto's server in-process gives the KMS key wrapper and the
SES mailer something real to talk to over HTTP, and leaves the environment as it was."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from idgate.aws.ses import SesMailer
from idgate.kernel.mail_message import MailMessage
from idgate.kernel.settings import Settings
from idgate.keys import signing_keys as keys
from idgate.mail.mailer import create_mailer
from idgate.process import build_runtime
from idgate.storage.migrations import prepare_database
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from local.dev.aws_emulation import REGION, check_data_keys_open, start_aws_emulation
from tests.conftest import MASTER_KEY, provision_tenant

pytestmark = pytest.mark.aws


@pytest.fixture(autouse=True)
def platform_scope() -> Iterator[None]:
    """Core calls made directly by the test are platform-level (PostgreSQL row-level
    security); requests through TestClient get their scope from their own route."""
    with scoped(ALL_TENANTS):
        yield


def test_emulated_aws_wraps_data_keys_with_kms_and_sends_mail_with_ses(tmp_path: Path) -> None:
    env_before = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    emulation = start_aws_emulation(mail_from="no-reply@idgate.test")
    try:
        assert emulation.endpoint_url.startswith("http://127.0.0.1:")
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / 'emulated.db'}",
            public_url="http://testserver",
            mail_from="no-reply@idgate.test",
            **emulation.settings_overrides,
        )
        assert (settings.key_provider, settings.mail_provider) == ("kms", "ses")
        rt = build_runtime(settings)
        prepare_database(rt)

        tenant = provision_tenant(rt, "emu", "Emulated")
        assert len(keys.jwks(rt, tenant.id)["keys"]) >= 2
        check_data_keys_open(rt)
        mailer = create_mailer(rt)
        assert isinstance(mailer, SesMailer)
        mailer.send(
            MailMessage(tenant_id=tenant.id, to="frank@example.com", subject="Hi", text="Hello")
        )

        sent = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
        assert [(m.source, m.subject) for m in sent][-1:] == [("no-reply@idgate.test", "Hi")]
        rt.engine.dispose()

        local_rt = build_runtime(
            Settings(database_url=settings.database_url, master_key=MASTER_KEY)
        )
        with pytest.raises(SystemExit, match="wrapped by another key-encryption key"):
            check_data_keys_open(local_rt)
        local_rt.engine.dispose()
    finally:
        emulation.stop()

    assert {k: v for k, v in os.environ.items() if k.startswith("AWS_")} == env_before
