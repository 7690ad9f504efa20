#!/usr/bin/env bash
# The README's main command: set up .venv if needed, then build the book of a profile (default quick)
# through the workflow (Snakefile): the runs the results archive does not hold (not those of a page
# that only reads its runs, the method study: `.venv/bin/snakemake runs` or --recompute computes them),
# every notebook (papermill), the Jupyter Book into _build/html, and a check of every page in a
# headless browser.
#
# Usage: bash tools/book.sh [PROFILE] [--recompute] [--refresh-archive] [--threads N]
#   --recompute        ignore the results archive: compute every run of the profile's plan, in parallel
#                      (worker processes share the cores, and the GPU when there is one)
#   --refresh-archive  then rewrite archive/ from those runs (scdmac runs archive)
#   --threads N        CPU threads per job (default: 2 with a GPU, else 1); jobs = cores / N
set -euo pipefail
cd "$(dirname "$0")/.."
profile=quick recompute=false refresh=false threads=""
while [ $# -gt 0 ]; do
  case "$1" in
    --recompute) recompute=true ;;
    --refresh-archive) refresh=true ;;
    --threads) threads="$2"; shift ;;
    smoke|quick|paper) profile="$1" ;;
    *) echo "book.sh: unknown argument '$1' (usage: bash tools/book.sh [smoke|quick|paper] [--recompute] [--refresh-archive] [--threads N])" >&2; exit 2 ;;
  esac
  shift
done
if [ "$refresh" = true ] && [ "$recompute" = false ]; then
  echo "book.sh: --refresh-archive rewrites the archive from recomputed runs: add --recompute" >&2; exit 2
fi
bash tools/setup.sh
start=$(date +%s)
cores=$(.venv/bin/python -c "from scdmac_lib.runtime.threads import available_cores; print(available_cores())")
gpu=$(.venv/bin/python -c "import torch; print(int(torch.cuda.is_available()))")
threads=${threads:-$([ "$gpu" = 1 ] && echo 2 || echo 1)}
# --rerun-triggers: a job's identity is its key (runs, stages) or the profile stamp (pages), never
# its params; Snakemake 9's params trigger also hides the jobs downstream of the job it reruns
options=(--cores "$cores" --keep-going --rerun-incomplete --quiet rules --rerun-triggers mtime input
         --config profile="$profile" recompute="$recompute" threads="$threads")
echo "book.sh: profile $profile, $cores cores, $((cores / threads)) jobs of $threads thread(s), GPU: $gpu, recompute: $recompute"
.venv/bin/scdmac runs status --profile "$profile" ||   # what the archive holds, what will be computed and why
  echo "book.sh: the archive holds damaged runs (listed above): they are computed instead"
if [ "$recompute" = true ]; then
  .venv/bin/snakemake runs "${options[@]}"   # every run of the plan, the method study's included
  .venv/bin/snakemake runs "${options[@]}"   # rule 7 of the study: its combination is planned once its arms exist
fi
if [ "$refresh" = true ]; then
  .venv/bin/scdmac runs archive --profile "$profile"
fi
.venv/bin/snakemake all "${options[@]}"    # the runs the pages compute and the archive lacks, every notebook, the book
.venv/bin/python tools/check_book.py   # every page renders (headless Chromium when installed)
elapsed=$(( $(date +%s) - start ))
rate=$(.venv/bin/python -c "from benchmarks.flops import peak_matmul_rate; print(f'{peak_matmul_rate() / 1e9:.0f}')")
echo "book built: _build/html/index.html (profile $profile) in $elapsed s; this machine: $cores cores, $rate GFLOP/s fp32 matmul (1024^3, all threads)"
