"""signing-key rotation: when a key starts signing and when it stopped

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 16:00:00.000000

A rotation (idgate.keys.key_rotation) publishes a ``next`` key that takes over at
``activates_at``; the key it replaces becomes ``retired`` at that moment (``retired_at``)
and stays published until every token it signed has expired, when the purge job removes
it. Existing keys keep both columns empty: a current key without ``activates_at`` has
signed since it was made, and none is retired yet (retired keys were never kept before).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("signing_keys") as batch:
        batch.add_column(sa.Column("activates_at", sa.Float(), nullable=True))
        batch.add_column(sa.Column("retired_at", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("signing_keys") as batch:
        batch.drop_column("retired_at")
        batch.drop_column("activates_at")
