#!/usr/bin/env bash
# The checks CI runs before the tests: lint, format, types, the layer contracts, the docs site
# and the doctests. Needs the dev extras (bash scripts/test.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin
$PY/ruff check src tests benchmarks
$PY/ruff format --check src tests benchmarks
$PY/mypy
$PY/lint-imports
NO_MKDOCS_2_WARNING=1 $PY/mkdocs build --strict --quiet --site-dir "${TMPDIR:-/tmp}/kairos-site"
# Every module whose docstrings hold examples: they must run.
mapfile -t doctested < <(grep -rl --include='*.py' '^\s*>>> ' src/kairos | sort)
$PY/python -m pytest -q -p no:cacheprovider --doctest-modules "${doctested[@]}"
