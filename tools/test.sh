#!/usr/bin/env bash
# The README's test command: set up .venv if needed (tools/setup.sh), then run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
.venv/bin/python -m pytest -q "$@"
