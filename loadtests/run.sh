#!/usr/bin/env bash
# The load tests in one command from a fresh clone: the venv with idgate (as local/run.sh
# makes it), then the harness. It installs wrk and the peer itself (loadtests/README.md).
# Usage: loadtests/run.sh [run.py options, e.g. --seconds 3 --repeats 2 --warmup 1]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e ".[cli]"
exec .venv/bin/python loadtests/run.py "$@"
