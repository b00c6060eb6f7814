"""Exported heads of the audit hash chains: what makes a deleted tail detectable.

``verify_chain`` proves a chain internally consistent, but a chain cut short (its newest
events deleted) is still consistent. A head (tenant, last seq, last hash, time) kept
outside the database closes that gap: later, the chain must reach at least that seq and
hold exactly that hash there. Heads travel as JSON lines, one tenant per line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, select

from idgate.audit.hash_chain import GENESIS
from idgate.kernel.errors import ValidationFailed
from idgate.storage.tables import audit_events


@dataclass(frozen=True)
class ChainHead:
    """The newest event of a tenant's chain; seq 0 and the genesis hash when it is empty."""

    seq: int
    hash: str
    at: float | None = None


def chain_head(conn: Connection, tenant_id: str) -> ChainHead:
    row = conn.execute(
        select(audit_events.c.seq, audit_events.c.hash, audit_events.c.at)
        .where(audit_events.c.tenant_id == tenant_id)
        .order_by(audit_events.c.seq.desc())
        .limit(1)
    ).first()
    return ChainHead(row.seq, row.hash, row.at) if row else ChainHead(0, GENESIS)


def head_mismatch(conn: Connection, tenant_id: str, exported: ChainHead) -> str | None:
    """Why the chain no longer matches an exported head, or None when it still does."""
    current = chain_head(conn, tenant_id)
    if current.seq < exported.seq:
        return f"head at seq {current.seq} is behind the exported seq {exported.seq}"
    if exported.seq == 0:
        return None  # exported while empty: every chain extends that
    stored = conn.execute(
        select(audit_events.c.hash).where(
            audit_events.c.tenant_id == tenant_id, audit_events.c.seq == exported.seq
        )
    ).scalar_one_or_none()
    if stored != exported.hash:
        return f"event at seq {exported.seq} differs from the exported hash"
    return None


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


def head_line(slug: str, head: ChainHead, *, exported_at: float) -> str:
    """One JSON line: the tenant's slug, last seq and hash, its time and the export's."""
    return json.dumps(
        {
            "tenant": slug,
            "seq": head.seq,
            "hash": head.hash,
            "at": _iso(head.at),
            "exported_at": _iso(exported_at),
        },
        separators=(",", ":"),
    )


def parse_head_lines(text: str) -> dict[str, ChainHead]:
    """Heads by tenant slug from JSON lines (blank lines skipped; a later line wins)."""
    heads: dict[str, ChainHead] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            slug, seq, digest = item["tenant"], item["seq"], item["hash"]
            valid = isinstance(slug, str) and type(seq) is int and seq >= 0
            valid = valid and isinstance(digest, str) and len(digest) == len(GENESIS)
        except (ValueError, TypeError, KeyError):
            valid = False
        if not valid:
            raise ValidationFailed(f"line {number} is not an audit chain head")
        heads[slug] = ChainHead(seq, digest)
    return heads
