#!/usr/bin/env bash
# Runs the whole test suite: creates .venv if needed, installs Kairos with its test extras,
# then pytest. PostgreSQL tests run when KAIROS_TEST_POSTGRES_URL is set (see .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[dev]"
exec .venv/bin/python -m pytest "$@"
