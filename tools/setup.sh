#!/usr/bin/env bash
# Set up .venv once: Python 3.11+, PyTorch 2.13.0 and the project with its book and test extras.
# A later call with the same requirements installs nothing and reaches no package index (it compares
# a stamp of pyproject.toml and of this install line). SCDMAC_TORCH_INDEX=URL installs PyTorch from
# that index first, e.g. https://download.pytorch.org/whl/cpu for the CPU-only build (about 0.7 GB
# instead of the several GB of the CUDA build that PyPI gives on Linux).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
line='torch==2.13.0 -e .[book,test]'
stamp=".venv/.scdmac-installed"
want="$(cat pyproject.toml | sha256sum | cut -c1-16) ${line} ${SCDMAC_TORCH_INDEX:-}"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
if [ -n "${SCDMAC_TORCH_INDEX:-}" ]; then
  .venv/bin/pip install -q torch==2.13.0 --index-url "$SCDMAC_TORCH_INDEX"
fi
.venv/bin/pip install -q torch==2.13.0 -e ".[book,test]"
echo "$want" > "$stamp"
