#!/usr/bin/env bash
# Installs Kairos into .venv and runs the demo: the server on SQLite (var/kairos.db, the database
# every `kairos` command reads by default) at http://127.0.0.1:8000, fed with live traffic and
# seeded with three weeks of history. Ctrl-C stops it. Says what it does while it installs.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
step() { printf '\033[1m[%3ss] %s\033[0m\n' "$((SECONDS - started))" "$*"; }
if [ ! -x .venv/bin/python ]; then
  step "creating the virtual environment .venv"
  python3 -m venv .venv
fi
# Installed already, and pyproject.toml unchanged since: skip pip altogether.
stamp=.venv/.kairos-demo-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ ! -x .venv/bin/kairos ]; then
  step "installing Kairos and its dependencies into .venv (the first time takes a few minutes)"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
  # One line that follows pip: the package it is fetching or installing now.
  .venv/bin/python -m pip install --progress-bar off -e . 2>&1 | while IFS= read -r line; do
    case "$line" in
      Collecting*|Downloading*|Installing*|Building*|Successfully*)
        printf '\r\033[K  %s' "${line:0:76}" ;;
      ERROR*|error*) printf '\n%s\n' "$line" ;;
    esac
  done
  status=${PIPESTATUS[0]}
  printf '\r\033[K'
  if [ "$status" -ne 0 ]; then
    echo "pip install failed (status $status); run: .venv/bin/python -m pip install -e ." >&2
    exit "$status"
  fi
  touch "$stamp"
  step "installed"
fi
step "starting the demo; the kairos command is .venv/bin/kairos (or scripts/kairos)"
exec .venv/bin/kairos demo "$@"
