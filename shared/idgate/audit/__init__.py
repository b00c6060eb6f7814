"""The tamper-evident audit log: per-tenant hash-chained events, recorded through one
``record`` call that every context may use, listed and verified."""
