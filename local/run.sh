#!/usr/bin/env bash
# Runs idgate locally on embedded SQLite, with a demo tenant on first start.
# Usage: local/run.sh [idgate serve options, e.g. --port 8000]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e ".[cli]"
exec .venv/bin/idgate serve "$@"
