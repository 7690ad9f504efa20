#!/usr/bin/env bash
# The README's test command: set up the virtual environment if needed, then run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install -q torch==2.13.0 -e ".[book,test]"
.venv/bin/python -m pytest -q "$@"
