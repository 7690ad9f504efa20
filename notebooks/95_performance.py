# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Performance: scDMAC's default command against scanpy's Leiden pipeline
#
# Not a paper item: how long `scdmac cluster` takes with every setting at its default, and how much
# memory it needs, beside scanpy's Leiden pipeline on the same file, both timed as whole processes
# (start-up, imports, reading and writing the files included) on the same machine, on Zeisel
# ([stand-in](#term-stand-in)) and on simulated count matrices of growing size. The numbers
# come from the benchmark's stored records (`benchmarks/performance/`, one file per case, committed with
# the source, each with the machine and the conditions it was measured under); the book never reruns
# the benchmark. The command that measures them again is named below.

# %% tags=["parameters", "remove-input"]
profile = "quick"
device = "auto"
results_dir = None  # folder of the benchmark's records (None: benchmarks/performance)
n_threads = None  # CPU threads (None: $SCDMAC_THREADS, else the cores this kernel may use)

# %% tags=["remove-input"]
import sys
from pathlib import Path

from IPython.display import Markdown, display

from scdmac_lib.book import page, tables
from scdmac_lib.runtime import paths

NAME = "95_performance"
pg = page.open_page(NAME, profile, device, n_threads=n_threads,
                    note="every number here comes from the benchmark's stored records, not from the profile")

# %% tags=["hide-input"]
sys.path.insert(0, str(paths.REPO_ROOT / "benchmarks"))  # the benchmark's own modules
import records  # noqa: E402  (benchmarks/records.py: reading the records, the tables and sentences below)

FOLDER = records.RESULTS if results_dir is None else Path(results_dir)
frame = records.load_frame(FOLDER)
sim = frame[frame["kind"] == "simulated"]
display(Markdown(
    f"Stored records: `{records.shown_path(FOLDER)}/`, {len(frame)} cases, whose processes ran for "
    f"{frame['wall_s'].sum() / 60:.0f} minutes in all. To measure them again on your machine, run"
    f"\n\n```\n{records.REFRESH_COMMAND}\n```\n\nwhich rewrites the records, then rebuild the book "
    f"(`bash tools/book.sh`)."))

# %% [markdown]
# ## Where and when these numbers were measured
#
# Every case keeps the machine it ran on, the commit, and two measurements taken just before it
# started: the machine's fp32 matrix-multiply rate (one large square product on every thread) and
# the 1-minute load average (how many processes wanted a core); the load average is taken again
# when the case ends. A load average above the number of cores means other work shared the CPU.

# %% tags=["hide-input"]
machines = records.machines(frame)
display(Markdown(records.machine_sentence(machines)))
page.show_table(tables.text_table(machines.set_index("machine").T.rename_axis("machine"), index=True),
                "Each machine that measured a stored case: what it is, when, its matmul rate and load.",
                csv=page.save_table(machines, f"{NAME}_machines"))

# %% [markdown]
# ## The default command against scanpy's Leiden pipeline
#
# On every input file, the benchmark ran one command and then the other, each as a process of its
# own, and timed it from its start to its exit, with its peak resident memory (the process's own,
# from the operating system). An absolute time says as much about the machine as about the method;
# the ratio of the two commands, measured on one machine one after the other, is the figure that
# carries over to another machine. scanpy's pipeline is given no number of clusters (Leiden at its default
# resolution); scDMAC is given the number of labelled cell types.

# %% tags=["hide-input"]
compare = records.comparison(frame)
display(Markdown(records.comparison_sentence(compare)))
shown = compare[["file", "cells", "scDMAC s", "scanpy s", "time ratio", "scDMAC GiB", "scanpy GiB",
                 "scDMAC ARI", "scanpy ARI"]]
page.show_table(tables.text_table(shown, digits=2),
                "Per input file: whole-process seconds and peak memory of each command, the ratio "
                "scDMAC / scanpy, and each one's ARI against the file's labels; measured on machine "
                + ", ".join(sorted(set(compare["machine"]))) + ".",
                csv=page.save_table(compare, f"{NAME}_comparison"))
display(Markdown("The commands, as run on each file (`FILE` the input, `K` its number of labelled types):\n\n"
                 + "\n".join(f"- {records.COMMANDS[c]}: `{records.shown_command(c, 'FILE.h5ad', 'K')}`"
                             for c in records.COMMANDS)))

# %% [markdown]
# ## Time and peak memory against cells
#
# The inputs of this section are simulated, not subsampled: zero-inflated negative binomial counts
# (`scdmac_lib.data.simulate.zinb_clusters`, seed 0) with the genes and clusters given below, so
# that only the number of cells changes from one input to the next.

# %% tags=["hide-input"]
display(Markdown(
    f"Simulated inputs: {', '.join(f'{n:,}' for n in sorted(sim['n_cells'].unique()))} cells, each with "
    f"{', '.join(f'{n:,}' for n in sorted(sim['n_genes'].unique()))} genes and "
    f"{', '.join(str(n) for n in sorted(sim['n_types'].unique()))} clusters."))
page.show_figure(records.plot_scaling(frame), NAME,
                 "Whole-process seconds (left) and peak memory (right) of each command against the number of "
                 "cells of the simulated inputs, both axes logarithmic; machine "
                 + ", ".join(sorted(sim["machine"].unique())) + " of the table above.",
                 takeaway=records.scaling_sentence(frame))

# %% [markdown]
# ## Where scDMAC's time goes
#
# The default command stores the seconds of each of its stages in its output file (`uns["scdmac"]`);
# what the stages do not cover is the process's start-up (Python and its imports), reading the input
# and writing the output.

# %% tags=["hide-input"]
shares = records.stage_shares(frame)
display(Markdown(records.stage_sentence(shares)))
page.show_table(tables.text_table(shares[["file", "cells", "process s", *[f"{s} s" for s in records.STAGES],
                                          "rest s"]], digits=1),
                "scDMAC's default command per input: whole-process seconds, each stage's seconds, and the "
                "rest (start-up, reading, writing).", csv=page.save_table(shares, f"{NAME}_stages"))

# %% [markdown]
# ## Per case
#
# Every stored case: its outcome, whole-process and CPU seconds (CPU seconds count the time a
# process computed, so other work on the machine inflates them less than the wall-clock seconds),
# peak memory and ARI; then the conditions it ran under.

# %% tags=["hide-input"]
every = records.cases(frame)
every_csv = page.save_table(every, f"{NAME}_cases")
page.show_table(tables.text_table(every[["file", "command", "status", "cells", "seconds", "CPU s", "peak GiB",
                                         "ARI", "clusters"]], digits=2),
                "Every stored case: whole-process and CPU seconds, peak memory, ARI and clusters found.",
                csv=every_csv)
page.show_table(tables.text_table(every[["file", "command", "machine", "finished (UTC)", "load before", "load after",
                                         "matmul GFLOP/s"]], digits=1),
                "Every stored case: the machine, when it finished, the load average before and after it, and "
                "the matmul rate measured just before it.", csv=every_csv)

# %% [markdown]
# ## Targets
#
# The project's performance targets, each computed from the stored records: PASS or FAIL against
# its threshold; `n/a` when the case that decides it is not stored; `info` rows are context, not
# targets. The time thresholds hold for the machine that measured the case (see above).

# %% tags=["hide-input"]
targets = records.targets(frame)
page.show_table(tables.text_table(targets, digits=2), "Each performance target, its measured value and verdict.",
                csv=page.save_table(targets, f"{NAME}_targets"))
counted = targets[targets["verdict"].isin(["PASS", "FAIL", "n/a"])]
display(Markdown(f"**{int((counted['verdict'] == 'PASS').sum())} of {len(counted)} targets pass, "
                 f"{int((counted['verdict'] == 'FAIL').sum())} fail"
                 + (f", {int((counted['verdict'] == 'n/a').sum())} cannot be decided from the stored cases"
                    if (counted["verdict"] == "n/a").any() else "") + ".**"))

# %% [markdown]
# ## Session info

# %% tags=["hide-input"]
display(page.session_info(profile, device))
