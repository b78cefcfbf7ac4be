#!/usr/bin/env bash
# Installs Kairos into .venv and runs the demo: the server on SQLite at http://127.0.0.1:8000,
# fed with live customer-service traffic. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e .
exec .venv/bin/kairos demo "$@"
