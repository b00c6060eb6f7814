"""Storage: the SQLAlchemy tables, transactions and the tenant scope that PostgreSQL
row-level security enforces, the hot path's driver-level queries, database faults as the
core's ``DatabaseUnavailable``, fixed-window failure counters for the attempt limits, and
Alembic migrations. The one storage implementation for
SQLite and PostgreSQL."""
