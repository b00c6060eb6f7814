"""AWS KMS as the key-encryption key: GenerateDataKey / Decrypt, with the tenant id as the
encryption context so a wrapped key only unwraps for its own tenant."""

from __future__ import annotations

from typing import Any

import boto3

from idgate.kernel.settings import Settings


class KmsKeyWrapper:
    name = "kms"

    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        self._key_id = settings.kms_key_id
        self._client = client or boto3.client("kms", endpoint_url=settings.aws_endpoint_url)

    def new_data_key(self, tenant_id: str) -> tuple[bytes, bytes]:
        response = self._client.generate_data_key(
            KeyId=self._key_id, KeySpec="AES_256", EncryptionContext={"tenant_id": tenant_id}
        )
        return response["Plaintext"], response["CiphertextBlob"]

    def wrap(self, data_key: bytes, tenant_id: str) -> bytes:
        response = self._client.encrypt(
            KeyId=self._key_id, Plaintext=data_key, EncryptionContext={"tenant_id": tenant_id}
        )
        return bytes(response["CiphertextBlob"])

    def unwrap(self, wrapped_key: bytes, tenant_id: str) -> bytes:
        response = self._client.decrypt(
            CiphertextBlob=wrapped_key, EncryptionContext={"tenant_id": tenant_id}
        )
        return bytes(response["Plaintext"])
