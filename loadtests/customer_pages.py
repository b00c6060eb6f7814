"""Customer search and pagination at scale (issue "Control plane": fast with 1,000,000
customers in a tenant). Fills one tenant with N customers by bulk insert, then times the
admin listing the way the API calls it: first page, a page deep in the list through its
cursor, and an email-prefix search, on SQLite or PostgreSQL.

    python loadtests/customer_pages.py                       # 1,000,000 customers, SQLite
    python loadtests/customer_pages.py --customers 200000 --database-url postgresql://...
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from base64 import urlsafe_b64encode
from pathlib import Path

from sqlalchemy import insert, text

from idgate.control.customers_admin import list_customers
from idgate.control.operators import load_operator
from idgate.control.organizations import provision_organization
from idgate.control.platform import init_platform
from idgate.control.rbac import LOCAL_OPERATOR
from idgate.kernel.runtime import Runtime
from idgate.kernel.settings import Settings
from idgate.process import build_runtime, install_runtime
from idgate.storage import database
from idgate.storage.migrations import prepare_database
from idgate.storage.tables import customers
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from idgate.tenancy.tenants import PLATFORM_SLUG, find_tenant, serving_tenant

BATCH = 20_000


def _fill(rt: Runtime, tenant_id: str, count: int) -> None:
    now = rt.now()
    for start in range(0, count, BATCH):
        rows = [
            {
                "id": str(uuid.uuid4()),
                "tenant_id": tenant_id,
                "email": f"user{n:07d}@example.com",
                "email_verified": True,
                "name": None,
                "password_hash": None,
                "disabled": False,
                "created_at": now,
            }
            for n in range(start, min(start + BATCH, count))
        ]
        with database.write(rt.engine) as conn:
            conn.execute(insert(customers), rows)


def _time_ms(call, repeats: int = 20) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="idgate-pages-"))
    url = args.database_url or f"sqlite:///{workdir / 'idgate.db'}"
    rt = build_runtime(
        Settings(database_url=url, public_url="http://bench", master_key_file=workdir / "k")
    )
    install_runtime(rt)
    with scoped(ALL_TENANTS):
        prepare_database(rt)
        if url.startswith("postgres"):
            with database.write(rt.engine) as conn:
                conn.execute(text("TRUNCATE customers, tenants CASCADE"))
        init_platform(rt, owner_email="owner@example.com", password="owner-password")
        provision_organization(rt, LOCAL_OPERATOR, slug="big", name="Big", tier="enterprise")
        with database.read(rt.engine) as conn:
            tenant = find_tenant(conn, "big")
        assert tenant is not None
        started = time.perf_counter()
        _fill(rt, tenant.id, args.customers)
        fill_s = time.perf_counter() - started
        if url.startswith("postgres"):
            # What autovacuum does shortly after a bulk load; without statistics the planner
            # sorts the whole tenant instead of walking the (tenant_id, email) index.
            with database.write(rt.engine) as conn:
                conn.execute(text("ANALYZE customers"))
        with database.read(rt.engine) as conn:
            platform = serving_tenant(rt, PLATFORM_SLUG)
            owner_id = conn.execute(
                text("SELECT id FROM customers WHERE email = 'owner@example.com'")
            ).scalar_one()
            owner = load_operator(conn, platform, owner_id)
        assert owner is not None
        middle = f"user{args.customers // 2:07d}@example.com"
        middle_cursor = urlsafe_b64encode(middle.encode()).decode().rstrip("=")
        results = {
            "first page (50)": _time_ms(
                lambda: list_customers(rt, owner, "big", query=None, cursor=None, limit=50)
            ),
            "page at the middle (50, by cursor)": _time_ms(
                lambda: list_customers(rt, owner, "big", query=None, cursor=middle_cursor, limit=50)
            ),
            "email prefix search 'user09' (50)": _time_ms(
                lambda: list_customers(rt, owner, "big", query="user09", cursor=None, limit=50)
            ),
        }
    backend = url.split(":")[0]
    print(f"{args.customers:,} customers in one tenant on {backend} (bulk insert {fill_s:.1f} s)")
    for name, ms in results.items():
        print(f"  {name:40s} {ms:7.2f} ms median of 20")


if __name__ == "__main__":
    main()
