#!/usr/bin/env bash
# Runs idgate's checks and whole test suite on this machine, installing what they need:
# Debian chromium (browser tests), PostgreSQL (the Postgres suite), the Python venv with the
# dev extras, and a separate tools venv for the SAM/cfn-lint template checks.
# Usage: local/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_cmd=""
[ "$(id -u)" = 0 ] || sudo_cmd="sudo"

apt_packages=()
[ -x /usr/bin/chromium ] || apt_packages+=(chromium)
command -v pg_ctlcluster >/dev/null 2>&1 || apt_packages+=(postgresql)
# node runs the upstream OpenID provider of the sign-in tests (tests/standins/oidc_upstream).
command -v node >/dev/null 2>&1 || apt_packages+=(nodejs)
command -v npm >/dev/null 2>&1 || apt_packages+=(npm)
if [ ${#apt_packages[@]} -gt 0 ]; then
  echo "installing ${apt_packages[*]} from Debian packages"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  version=$(ls /etc/postgresql | sort -n | tail -1)
  $sudo_cmd pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
(cd /tmp && $sudo_cmd runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 <<'SQL'
SELECT 'CREATE ROLE idgate LOGIN PASSWORD ''idgate'''
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'idgate') \gexec
SELECT 'CREATE DATABASE idgate_test OWNER idgate'
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'idgate_test') \gexec
SQL
)
# The role the tests serve as, bound by row-level security (idgate migrates as the owner).
(cd /tmp && $sudo_cmd runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -d idgate_test \
  -v owner=idgate -v app_password=idgate_app) < infra/postgres/create_app_role.sql >/dev/null
if [ -z "${IDGATE_TEST_POSTGRES_URL:-}" ]; then
  export IDGATE_TEST_POSTGRES_APP_URL="${IDGATE_TEST_POSTGRES_APP_URL:-postgresql+psycopg://idgate_app:idgate_app@127.0.0.1:5432/idgate_test}"
fi
export IDGATE_TEST_POSTGRES_URL="${IDGATE_TEST_POSTGRES_URL:-postgresql+psycopg://idgate:idgate@127.0.0.1:5432/idgate_test}"

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e ".[dev]"
if [ ! -x .tools-venv/bin/cfn-lint ]; then
  python3 -m venv .tools-venv
  .tools-venv/bin/pip install -q --disable-pip-version-check "aws-sam-cli==1.170.0" cfn-lint
fi
export SAM_CLI_TELEMETRY=0

# The upstream OpenID provider's node packages, exactly as locked, before pytest starts (so
# no test pays for the install or times out on it); again whenever the lock file changes.
upstream=tests/standins/oidc_upstream
# oidc-provider 9 calls URL.parse (Node.js 20.18+); Debian 12's own nodejs package is 18.
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number);
  process.exit(a > 20 || (a === 20 && b >= 18) ? 0 : 1)'; then
  echo "Node.js $(node --version) is too old for $upstream: it needs 20.18 or later" >&2
  exit 1
fi
if [ ! -f "$upstream/node_modules/oidc-provider/package.json" ] \
  || [ "$upstream/package-lock.json" -nt "$upstream/node_modules/.package-lock.json" ]; then
  (cd "$upstream" && npm ci --no-audit --no-fund --loglevel=error)
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/lint-imports

# The TypeScript SDK (sdk/typescript): its dev dependencies exactly as locked (again whenever
# the lock file changes), the type check, the build (ESM, CommonJS, .d.ts; dist/ must import
# nothing outside itself) and its tests: unit, and integration against a live `idgate serve`
# of this venv with Debian chromium (playwright-core, no browser download).
sdk=sdk/typescript
if [ ! -f "$sdk/node_modules/.package-lock.json" ] \
  || [ "$sdk/package-lock.json" -nt "$sdk/node_modules/.package-lock.json" ]; then
  (cd "$sdk" && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd "$sdk" && npm run --silent typecheck && npm run --silent build \
  && IDGATE_BIN="$PWD/../../.venv/bin/idgate" npm test --silent)

.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
