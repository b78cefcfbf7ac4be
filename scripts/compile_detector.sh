#!/usr/bin/env bash
# The fast tier's hot path compiled with mypyc (it ships with mypy, already a dev dependency), in
# a copy of the package under build/compiled: an opt-in build for measuring the "compiled core"
# lever of issue 14 (docs/detection.md, "Speed against VADER", eighth round). It never writes
# into src/, so no stale extension module can shadow an edited source file there. Use it with
#   PYTHONPATH=build/compiled python benchmarks/detector_speed.py
# Rebuild after any change to src/ (the copy is taken when the script runs).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
python=${PYTHON:-$root/.venv/bin/python}
out=build/compiled
# The modules a customer turn runs through; the rest of the package stays pure Python.
modules=(combination detector_combine detector_contracts model cue_intensity cue_patterns cues detector_state detector deadlines deadline_resolution
         language)
rm -rf "$out"
mkdir -p "$out"
cp -r src/kairos "$out/"
find "$out" -name __pycache__ -type d -prune -exec rm -rf {} +
cd "$out"
paths=()
for m in "${modules[@]}"; do paths+=("kairos/detection/$m.py"); done
"$python" -m mypyc "${paths[@]}" > mypyc.log 2>&1 || {
    tail -n 40 mypyc.log
    exit 1
}
ls kairos/detection/*.so
echo "built: PYTHONPATH=$out"
