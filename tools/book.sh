#!/usr/bin/env bash
# The README's main command: set up .venv if needed, then build the book of a profile (default quick)
# through the workflow (Snakefile): the runs the results archive does not hold (not those of a page
# that only reads its runs, the method study: `.venv/bin/snakemake runs` or --recompute computes them),
# every notebook (papermill), the Jupyter Book into _build/html, and a check of every page in a
# headless browser.
#
# It prints one line per step (the page's title, where its runs came from and its seconds; the run
# being computed and how many remain), then where the book is and how to open it. Snakemake's own
# output goes to _build/logs/snakemake*.log (scdmac_lib.book.progress); a failed step is printed with
# its error, then the logs to read.
#
# Usage: bash tools/book.sh [PROFILE] [--recompute] [--refresh-archive] [--threads N] [--verbose]
#   --recompute        ignore the results archive: compute every run of the profile's plan, in parallel
#                      (worker processes share the cores, and the GPU when there is one)
#   --refresh-archive  then rewrite archive/ from those runs (scdmac runs archive)
#   --threads N        CPU threads per job (default: 2 with a GPU, else 1); jobs = cores / N
#   --verbose          print Snakemake's own output as well
set -euo pipefail
cd "$(dirname "$0")/.."
profile=quick recompute=false refresh=false threads="" verbose=()
while [ $# -gt 0 ]; do
  case "$1" in
    --recompute) recompute=true ;;
    --refresh-archive) refresh=true ;;
    --threads) threads="$2"; shift ;;
    --verbose) verbose=(--verbose) ;;
    smoke|quick|paper) profile="$1" ;;
    *) echo "book.sh: unknown argument '$1' (usage: bash tools/book.sh [smoke|quick|paper] [--recompute] [--refresh-archive] [--threads N] [--verbose])" >&2; exit 2 ;;
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
options=(--cores "$cores" --keep-going --rerun-incomplete --rerun-triggers mtime input
         --config profile="$profile" recompute="$recompute" threads="$threads")
workflow() {  # workflow LOG TARGET: Snakemake with its output in LOG, one line per step on the console
  .venv/bin/python -m scdmac_lib.book.progress --log "_build/logs/$1" --profile "$profile" "${verbose[@]}" \
    -- .venv/bin/snakemake "$2" "${options[@]}"
}
echo "Building the $profile book: $cores cores, $((cores / threads)) jobs at a time of $threads thread(s) each," \
     "$([ "$gpu" = 1 ] && echo "a GPU" || echo "no GPU"), $([ "$recompute" = true ] && echo "every run recomputed" || echo "runs from the results archive where it has them")"
.venv/bin/scdmac runs status --profile "$profile" ||   # what the archive holds, what will be computed and why
  echo "book.sh: the archive holds damaged runs (listed above): they are computed instead"
if [ "$recompute" = true ]; then
  echo "Computing every run of the $profile plan:"
  workflow snakemake-runs.log runs          # every run of the plan, the method study's included
  echo "Computing the method study's combination (its arms are known now):"
  workflow snakemake-combination.log runs   # rule 7 of the study: its combination is planned once its arms exist
fi
if [ "$refresh" = true ]; then
  .venv/bin/scdmac runs archive --profile "$profile"
fi
echo "Running the pages and building the book (Snakemake's log: _build/logs/snakemake.log):"
workflow snakemake.log all    # the runs the pages compute and the archive lacks, every notebook, the book
echo "Checking every page in a headless browser:"
.venv/bin/python tools/check_book.py   # every page renders (headless Chromium when installed)
elapsed=$(( $(date +%s) - start ))
rate=$(.venv/bin/python -c "from benchmarks.flops import peak_matmul_rate; print(f'{peak_matmul_rate() / 1e9:.0f}')")
echo "Book built in $elapsed s (profile $profile) on this machine: $cores cores, $rate GFLOP/s fp32 matmul (1024^3, all threads)."
opener=$([ "$(uname)" = Darwin ] && echo open || echo xdg-open)
echo "The book is _build/html/index.html: open it with '$opener _build/html/index.html' or at file://$PWD/_build/html/index.html"
