"""The local dev server ``idgate serve`` runs in local mode: the platform app of
``local.server`` plus the demo relying party, the dev pages and the TypeScript SDK's web-app
example, on a database that gets the demo tenant on its first start; with ``--emulate-aws``,
KMS and SES emulated by moto in this same process."""

from __future__ import annotations

import argparse

from idgate.kernel.settings import Settings
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from local.dev.demo_rp import router as demo_rp_router
from local.dev.demo_seed import seed_demo
from local.dev.dev_pages import router as dev_pages_router
from local.dev.example_pages import register_example_client
from local.dev.example_pages import router as example_pages_router
from local.server import TokenPathsFirst, build_app, migrate, serve, start_runtime


def build_local_app() -> TokenPathsFirst:
    return build_app(demo_rp_router, dev_pages_router, example_pages_router)


def run(*, host: str, port: int, emulate_aws: bool = False, migrated: bool = False) -> None:
    """Serve until interrupted. ``migrated`` when the caller has migrated already (``idgate
    serve`` does it before it execs this module, so Alembic never loads here)."""
    settings, emulation = Settings(), None
    if emulate_aws:
        from local.dev.aws_emulation import check_data_keys_open, emulate

        settings, emulation = emulate(settings)
    rt = start_runtime(settings, host=host, port=port)
    try:
        if not migrated:
            migrate(rt)
        with scoped(ALL_TENANTS):  # start-up is platform-level work
            if emulation is not None:
                check_data_keys_open(rt)
            seed_demo(rt)
            register_example_client(rt)
        serve(rt, build_local_app(), host=host, port=port)
    finally:
        if emulation is not None:
            emulation.stop()


def main() -> None:
    """``python -m local.dev.server``: what ``idgate serve`` execs in local mode once it has
    migrated, so the serving process holds neither the CLI's modules nor Alembic."""
    parser = argparse.ArgumentParser(description="Serve idgate for local development.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    run(host=args.host, port=args.port, migrated=True)


if __name__ == "__main__":
    main()
