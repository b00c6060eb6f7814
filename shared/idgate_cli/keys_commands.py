"""``idgate keys rewrap``: rotate the key-encryption key (the local master key or a KMS key).
(``idgate keys rotate`` and ``list``, a tenant's signing keys, are ``signing_key_commands``.)

Every tenant's data key is unwrapped with the key this process is configured with
(``IDGATE_KEY_PROVIDER``, ``IDGATE_MASTER_KEY`` / ``IDGATE_MASTER_KEY_FILE``,
``IDGATE_KMS_KEY_ID``) and wrapped again under the new one, all in one transaction
(``idgate.keys.data_keys.rewrap_data_keys``); nothing sealed with a data key changes, and
running it again is safe. A new master key comes from a file or an environment variable,
never from the command line, where other users of the host could read it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from idgate.crypto.key_wrapping import (
    KeyWrapper,
    MasterKeyWrapper,
    decode_master_key,
    load_or_create_master_key,
)
from idgate.kernel.settings import Settings
from idgate.keys.data_keys import rewrap_data_keys
from idgate_cli.local_runtime import fail, local_runtime
from idgate_cli.signing_key_commands import keys_list, keys_rotate

keys_app = typer.Typer(
    no_args_is_help=True,
    help="Rotate a tenant's signing keys; re-wrap data keys under a new key-encryption key.",
)
keys_app.command("rotate")(keys_rotate)
keys_app.command("list")(keys_list)

MASTER_KEY_FORMAT = "a base64url-encoded 32-byte key"
RESTART = (
    "then restart every idgate process: one still on the old key cannot open a data key "
    "it has not cached"
)


def _from_file(path: Path) -> tuple[KeyWrapper, str]:
    existed = path.exists()
    try:
        wrapper = MasterKeyWrapper(load_or_create_master_key(path))
    except ValueError:
        fail(f"{path} must hold {MASTER_KEY_FORMAT}")
    except OSError as exc:
        fail(f"cannot read or create {path}: {exc.strerror or exc}")
    if not existed:
        typer.echo(f"generated a new master key in {path} (mode 0600)")
    return wrapper, (
        f"set IDGATE_KEY_PROVIDER=local and IDGATE_MASTER_KEY to the key in {path} "
        f"(or unset IDGATE_MASTER_KEY and set IDGATE_MASTER_KEY_FILE={path})"
    )


def _from_env(variable: str) -> tuple[KeyWrapper, str]:
    text = os.environ.get(variable)
    if not text:
        fail(f"the environment variable {variable} is not set")
    try:
        wrapper = MasterKeyWrapper(decode_master_key(text))
    except ValueError:
        fail(f"{variable} must hold {MASTER_KEY_FORMAT}")
    return wrapper, f"set IDGATE_KEY_PROVIDER=local and IDGATE_MASTER_KEY=${variable}"


def _from_kms(settings: Settings, key_id: str) -> tuple[KeyWrapper, str]:
    from idgate.aws.kms import KmsKeyWrapper  # boto3 only when KMS is the target

    kms = settings.model_copy(update={"key_provider": "kms", "kms_key_id": key_id})
    try:
        wrapper = KmsKeyWrapper(kms)
    except Exception as exc:  # botocore: no region, no credentials configuration, ...
        fail(f"cannot reach KMS: {exc}")
    return wrapper, f"set IDGATE_KEY_PROVIDER=kms and IDGATE_KMS_KEY_ID={key_id}"


KeyFileOption = Annotated[
    Path | None,
    typer.Option(
        "--to-master-key-file",
        help=f"A file holding the new master key ({MASTER_KEY_FORMAT}); "
        "created (0600) with a fresh key when it does not exist.",
    ),
]
KeyEnvOption = Annotated[
    str | None,
    typer.Option(
        "--to-master-key-env",
        metavar="VARIABLE",
        help="The environment variable holding the new master key.",
    ),
]
KmsKeyOption = Annotated[
    str | None,
    typer.Option("--to-kms-key-id", help="The KMS key (id, ARN or alias) to wrap under."),
]


@keys_app.command("rewrap")
def keys_rewrap(
    to_master_key_file: KeyFileOption = None,
    to_master_key_env: KeyEnvOption = None,
    to_kms_key_id: KmsKeyOption = None,
) -> None:
    """Re-wrap every tenant's data key under a new key-encryption key."""
    chosen = [t for t in (to_master_key_file, to_master_key_env, to_kms_key_id) if t]
    if len(chosen) != 1:
        fail("choose one of --to-master-key-file, --to-master-key-env, --to-kms-key-id")
    rt = local_runtime()
    if to_master_key_file:
        wrapper, next_step = _from_file(to_master_key_file)
    elif to_master_key_env:
        wrapper, next_step = _from_env(to_master_key_env)
    else:
        wrapper, next_step = _from_kms(rt.settings, str(to_kms_key_id))
    try:
        count = rewrap_data_keys(rt, wrapper)
    except Exception as exc:  # a provider's own error (botocore, a key that does not open)
        fail(f"no data key was re-wrapped: {type(exc).__name__}: {exc}")
    keys = "key" if count == 1 else "keys"
    typer.echo(f"re-wrapped {count} data {keys} under the new key-encryption key ({wrapper.name})")
    typer.echo(f"next: {next_step}, {RESTART}")
