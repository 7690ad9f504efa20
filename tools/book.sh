#!/usr/bin/env bash
# The README's main command: set up the virtual environment if needed, execute every notebook with
# papermill on a profile (default: quick), build the Jupyter Book into _build/html and check its pages.
# Usage: bash tools/book.sh [PROFILE]
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${1:-quick}"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install -q torch==2.13.0 -e ".[book,test]"
.venv/bin/scdmac notebooks all --profile "$profile"
.venv/bin/python tools/check_book.py   # every page renders (headless Chromium when installed)
echo "book built: _build/html/index.html (profile: $profile)"
