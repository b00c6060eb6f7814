"""Storage: the SQLAlchemy tables, transactions and the tenant scope that PostgreSQL
row-level security enforces, the hot path's driver-level queries, and Alembic migrations.
The one storage implementation for SQLite and PostgreSQL."""
