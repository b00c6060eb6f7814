"""The analytics rollup job, ``roll_up``: everything recorded since the last run added to
the hourly and daily rollups, and this process's token-grant counts flushed. Incremental
and idempotent (a watermark per source, moved in the transaction that adds what it
covers: ``analytics.watermarks``), so running it twice, or in two places at once, counts
nothing twice. Run by the analytics function on an EventBridge schedule
(``functions/analytics``) and by the platform server in the background
(``local.server``); raw events are purged after their retention by ``oauth.retention``,
the rollups are kept forever."""

from __future__ import annotations

from idgate.analytics.grant_counts import flush_grant_counts
from idgate.analytics.rollup_active import roll_up_active_days
from idgate.analytics.rollup_counts import roll_up_events, roll_up_sign_ins
from idgate.analytics.watermarks import RolledUpMeanwhile
from idgate.kernel.runtime import Runtime
from idgate.storage.tenant_scope import ALL_TENANTS, scoped


def roll_up(rt: Runtime) -> dict[str, int]:
    """Roll up every source; per source, the events (or days) covered by this run."""
    counts: dict[str, int] = {}
    with scoped(ALL_TENANTS):  # every tenant's events: platform-level work
        counts["token_grant_rows"] = flush_grant_counts(rt)
        try:
            counts["sign_in_events"] = roll_up_sign_ins(rt)
            counts["analytics_events"] = roll_up_events(rt)
            counts["active_days"] = roll_up_active_days(rt)
        except RolledUpMeanwhile:
            # Another run is rolling up at this moment: it covers what this one would.
            counts["raced"] = 1
    return counts
