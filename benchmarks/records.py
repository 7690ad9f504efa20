"""The performance benchmark's stored results: one JSON file per case, written by ``run.py``, read by the book.

A case is one command (:data:`COMMANDS`) run as a whole process on one input file. Its record::

    {"schema": 1,
     "case": {"input", "kind" (real | simulated), "command", "command_line", "n_cells", "n_genes", "n_types"},
     "result": {"status" (ok | failed | timed out), "wall_s", "cpu_s", "peak_rss_gib", "exit_code",
                "ari", "nmi", "n_clusters", "n_cells_clustered", "stages": {stage: {"seconds", "steps"}}},
     "machine": {"cores", "logical_cpus", "cpu_model", "memory_gib", "device", "system", "scdmac_threads",
                 "versions": {...}},
     "conditions": {"before": {"matmul_gflops", "load_1min", "at"}, "after": {...}, "commit"}}

lives in ``benchmarks/performance/INPUT.COMMAND.json``. :func:`load_frame` reads a folder of them into one
row per case; the tables, targets, figure and sentences of the performance page are computed from
that frame here, so that the page shows only what the stored records hold.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from scdmac_lib.book.summaries import benchmark_label
from scdmac_lib.runtime import paths
from scdmac_lib.runtime.files import write_text

SCHEMA = 1
RESULTS = Path(__file__).resolve().parent / "performance"  # committed (git ignores folders named results/)
REFRESH_COMMAND = ".venv/bin/python benchmarks/run.py"
#: command key -> how the page names it
COMMANDS = {"scdmac": "scDMAC default command", "scanpy": "scanpy Leiden pipeline"}
STAGES = ("preprocess", "denoise", "mae", "cluster")
MACHINE_KEYS = ("cpu_model", "cores", "logical_cpus", "memory_gib", "device")


def shown_path(path: Path) -> str:
    """``path`` relative to the repository when inside it (what the page and the console show)."""
    return paths.display_path(Path(path))


def shown_command(command: str, file_name: str, n_types: int) -> str:
    """The command line of a case as a reader would type it (no machine paths)."""
    if command == "scdmac":
        return f"scdmac cluster {file_name} -k {n_types} -o out.h5ad -q"
    return f"python benchmarks/scanpy_leiden.py {file_name} out.h5ad"


def record_path(record: dict, folder: Path) -> Path:
    case = record["case"]
    return Path(folder) / f"{case['input']}.{case['command']}.json"


def write_record(record: dict, folder: Path = RESULTS) -> Path:
    """Write one case's record to ``folder/INPUT.COMMAND.json`` atomically; return the path."""
    path = record_path(record, folder)
    return write_text(path, json.dumps(record, indent=1, sort_keys=True) + "\n")


def load_records(folder: Path = RESULTS) -> list[dict]:
    """Every stored case of ``folder``, in file-name order.

    Raises
    ------
    ValueError
        When the folder holds no record (the message names the command that writes them), or a
        record of another schema.
    """
    files = sorted(Path(folder).glob("*.json"))
    if not files:
        msg = (f"no benchmark records in {shown_path(folder)}: run `{REFRESH_COMMAND}` to measure them "
               "(tens of minutes on a 2-core CPU).")
        raise ValueError(msg)
    out = []
    for file in files:
        record = json.loads(file.read_text())
        if record.get("schema") != SCHEMA:
            msg = f"{shown_path(file)} has schema {record.get('schema')!r}, not {SCHEMA}: rerun `{REFRESH_COMMAND}`."
            raise ValueError(msg)
        out.append(record)
    return out


def _row(record: dict) -> dict:
    case, res, box, cond = record["case"], record["result"], record["machine"], record["conditions"]
    row = {**{k: case[k] for k in ("input", "kind", "command", "command_line", "n_cells", "n_genes", "n_types")},
           "status": res["status"], "wall_s": res["wall_s"], "cpu_s": res["cpu_s"], "peak_rss_gib": res["peak_rss_gib"],
           **{k: res.get(k, math.nan) for k in ("ari", "nmi", "n_clusters", "n_cells_clustered")},
           **{k: box[k] for k in MACHINE_KEYS}, "torch": box["versions"].get("torch", ""),
           "scanpy": box["versions"].get("scanpy", ""), "python": box["versions"].get("python", ""),
           "matmul_gflops": cond["before"]["matmul_gflops"], "load_before": cond["before"]["load_1min"],
           "load_after": cond["after"]["load_1min"], "started": cond["before"]["at"], "finished": cond["after"]["at"],
           "commit": cond["commit"]}
    for stage in STAGES:
        st = res.get("stages", {}).get(stage, {})
        row[f"{stage}_s"], row[f"{stage}_steps"] = st.get("seconds", math.nan), st.get("steps", math.nan)
    return row


def load_frame(folder: Path = RESULTS) -> pd.DataFrame:
    """One row per stored case, with the machine it ran on as a letter (``machine``: A, B, ...)."""
    frame = pd.DataFrame([_row(r) for r in load_records(folder)])
    keys = frame[list(MACHINE_KEYS)].astype(str).agg(" | ".join, axis=1)
    order = frame.assign(key=keys).groupby("key")["started"].min().sort_values().index
    letters = {key: chr(ord("A") + i) for i, key in enumerate(order)}
    frame["machine"] = keys.map(letters)
    frame["label"] = frame["command"].map(COMMANDS)
    frame["file"] = frame["input"].map(benchmark_label)
    return frame.sort_values(["kind", "n_cells", "command"], key=_kind_first).reset_index(drop=True)


def _kind_first(column: pd.Series) -> pd.Series:
    return column.map({"real": 0, "simulated": 1}) if column.name == "kind" else column


# --------------------------------------------------------------------------- tables


def _range(values, fmt: str) -> str:
    lo, hi = float(np.min(values)), float(np.max(values))
    return format(lo, fmt) if format(lo, fmt) == format(hi, fmt) else f"{format(lo, fmt)}-{format(hi, fmt)}"


def _when(stamp: str) -> str:
    return stamp.replace("T", " ").removesuffix("Z")[:16]


def machines(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per machine: what it is, when it measured which cases, its matmul rate and load meanwhile."""
    rows = []
    for letter, grp in frame.groupby("machine"):
        first = grp.iloc[0]
        rows.append({"machine": letter, "CPU": first["cpu_model"], "cores": int(first["cores"]),
                     "memory GiB": f"{first['memory_gib']:.1f}", "device": first["device"],
                     "measured (UTC)": f"{_when(grp['started'].min())} to {_when(grp['finished'].max())}",
                     "cases": len(grp), "matmul GFLOP/s": _range(grp["matmul_gflops"], ".0f"),
                     "load average": _range(pd.concat([grp["load_before"], grp["load_after"]]), ".1f"),
                     "commit": ", ".join(sorted({c[:10] for c in grp["commit"]})),
                     "versions": f"Python {first['python']}, torch {first['torch']}, scanpy {first['scanpy']}"})
    return pd.DataFrame(rows)


def comparison(frame: pd.DataFrame) -> pd.DataFrame:
    """Per input file: both commands' seconds, peak memory and ARI, and the ratios scDMAC / scanpy.

    A ratio is given only when both commands ran on the input on the same machine (else NaN).
    """
    ok = frame[frame["status"] == "ok"]
    rows = []
    for name, grp in ok.groupby("input", sort=False):
        by = grp.set_index("command")
        if not set(COMMANDS) <= set(by.index):
            continue
        a, b = by.loc["scdmac"], by.loc["scanpy"]
        same = a["machine"] == b["machine"]
        rows.append({"input": name, "file": benchmark_label(name), "kind": a["kind"], "cells": int(a["n_cells"]),
                     "genes": int(a["n_genes"]),
                     "scDMAC s": a["wall_s"], "scanpy s": b["wall_s"],
                     "time ratio": a["wall_s"] / b["wall_s"] if same else math.nan,
                     "scDMAC CPU s": a["cpu_s"], "scanpy CPU s": b["cpu_s"],
                     "CPU ratio": a["cpu_s"] / b["cpu_s"] if same else math.nan,
                     "scDMAC GiB": a["peak_rss_gib"], "scanpy GiB": b["peak_rss_gib"],
                     "memory ratio": a["peak_rss_gib"] / b["peak_rss_gib"] if same else math.nan,
                     "scDMAC ARI": a["ari"], "scanpy ARI": b["ari"], "scanpy clusters": int(b["n_clusters"]),
                     "types": int(a["n_types"]),
                     "machine": a["machine"] if same else f"{a['machine']}, {b['machine']}"})
    return pd.DataFrame(rows)


def stage_shares(frame: pd.DataFrame) -> pd.DataFrame:
    """scDMAC's cases: seconds per stage and the rest of the process (start-up, reading, writing), with steps."""
    sc = frame[(frame["command"] == "scdmac") & (frame["status"] == "ok")]
    out = sc[["input", "n_cells", "wall_s"]].rename(columns={"n_cells": "cells", "wall_s": "process s"}).copy()
    out.insert(1, "file", out["input"].map(benchmark_label))
    for stage in STAGES:
        out[f"{stage} s"] = sc[f"{stage}_s"].to_numpy()
    out["rest s"] = out["process s"] - out[[f"{s} s" for s in STAGES]].sum(axis=1)
    for stage in STAGES[1:]:
        out[f"{stage} steps"] = sc[f"{stage}_steps"].astype(int).to_numpy()
    return out.reset_index(drop=True)


def cases(frame: pd.DataFrame) -> pd.DataFrame:
    """Every case as the page lists it: input, command, outcome, time, memory, accuracy and conditions."""
    out = frame[["input", "file", "label", "status", "n_cells", "wall_s", "cpu_s", "peak_rss_gib", "ari", "n_clusters",
                 "load_before", "load_after", "matmul_gflops", "machine", "finished"]].copy()
    out["finished"] = out["finished"].map(_when)
    return out.rename(columns={"label": "command", "n_cells": "cells", "wall_s": "seconds", "cpu_s": "CPU s",
                               "peak_rss_gib": "peak GiB", "ari": "ARI", "n_clusters": "clusters",
                               "load_before": "load before",
                               "load_after": "load after", "matmul_gflops": "matmul GFLOP/s",
                               "finished": "finished (UTC)"})


def _value(frame: pd.DataFrame, name: str, command: str, column: str) -> float:
    sel = frame[(frame["input"] == name) & (frame["command"] == command) & (frame["status"] == "ok")]
    return float(sel[column].iloc[0]) if len(sel) else math.nan


def targets(frame: pd.DataFrame, *, real: str = "zeisel", small: str = "sim-10000",
            big: str = "sim-100000") -> pd.DataFrame:
    """The project's performance targets, each with its measured value and verdict (PASS, FAIL, or n/a
    when the case that decides it is not stored); ``info`` rows are context, not targets."""
    t_real = _value(frame, real, "scdmac", "wall_s")
    t_big, t_small = _value(frame, big, "scdmac", "wall_s"), _value(frame, small, "scdmac", "wall_s")
    rss_big = _value(frame, big, "scdmac", "peak_rss_gib")
    on_real, on_big, on_small = benchmark_label(real), benchmark_label(big), benchmark_label(small)
    items = [
        (f"scDMAC default command on {on_real}, whole process (s)", t_real, "<= 60", t_real <= 60),
        (f"scDMAC on {on_big}, whole process (s)", t_big, "< 1800", t_big < 1800),
        (f"scDMAC on {on_big}, peak memory (GiB)", rss_big, "< 8", rss_big < 8),
        (f"scDMAC time on {on_big} / on {on_small}", t_big / t_small, "<= 12", t_big / t_small <= 12),
        (f"scDMAC time / scanpy time on {on_real} (the figure that travels)",
         t_real / _value(frame, real, "scanpy", "wall_s"), "", None),
    ]
    rows = [{"target": t, "value": v, "threshold": th,
             "verdict": "n/a" if v != v else "info" if ok is None else ("PASS" if ok else "FAIL")}
            for t, v, th, ok in items]
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- figure


def plot_scaling(frame: pd.DataFrame):
    """Two panels over the simulated inputs: whole-process seconds and peak memory against cells, per command."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    sim = frame[(frame["kind"] == "simulated") & (frame["status"] == "ok")]
    if sim.empty:
        msg = f"no simulated case is stored, so there is nothing to plot against cells: run `{REFRESH_COMMAND}`."
        raise ValueError(msg)
    fig, axes = plt.subplots(1, 2, figsize=(6.8, 3.0))
    for command, label in COMMANDS.items():
        grp = sim[sim["command"] == command].sort_values("n_cells")
        axes[0].plot(grp["n_cells"], grp["wall_s"], "o-", label=label)
        axes[1].plot(grp["n_cells"], grp["peak_rss_gib"], "o-", label=label)
    axes[0].set(xscale="log", yscale="log", xlabel="cells", ylabel="seconds, whole process", title="Time")
    axes[1].set(xscale="log", yscale="log", xlabel="cells", ylabel="peak memory (GiB)", title="Peak memory")
    for ax in axes:  # plain numbers on the log axes: 1,000 cells, 0.5 GiB, not 10^3 or 5 x 10^-1
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.yaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(labels), frameon=False)  # above the panels: covers no data
    fig.tight_layout(rect=(0, 0, 1, 0.9))
    return fig


# --------------------------------------------------------------------------- sentences


def _cells(n: float) -> str:
    return f"{int(n):,}"


def machine_sentence(table: pd.DataFrame) -> str:
    """Where and when the numbers were measured, from :func:`machines`."""
    parts = []
    for _, m in table.iterrows():
        busy = ""
        top = max(float(x) for x in str(m["load average"]).split("-"))
        if top > m["cores"]:
            busy = (f"; its 1-minute load average reached {top:.1f} on {m['cores']} cores, so other work ran "
                    "beside the benchmark: its absolute times are inflated, the ratios of two commands measured "
                    "one after the other less so")
        parts.append(f"machine {m['machine']} ({m['CPU']}, {m['cores']} cores, {m['memory GiB']} GiB, device "
                     f"{m['device']}) measured {m['cases']} case{'s' if m['cases'] != 1 else ''} from "
                     f"{m['measured (UTC)']} UTC at commit {m['commit']}, with an fp32 matmul rate of "
                     f"{m['matmul GFLOP/s']} GFLOP/s{busy}")
    return "Every number on this page was measured by `benchmarks/run.py`: " + "; ".join(parts) + "."


def comparison_sentence(table: pd.DataFrame) -> str:
    """The default command against scanpy: on the real file, and how the ratio moves over the simulations."""
    if table.empty:
        return "No input has both commands measured on one machine, so no ratio can be given."
    text = []
    real = table[table["kind"] == "real"]
    for _, r in real.iterrows():
        text.append(f"On {r['file']}, {_cells(r['cells'])} cells, the default command took {r['scDMAC s']:.0f} s, "
                    f"{r['time ratio']:.1f} times scanpy's Leiden pipeline ({r['scanpy s']:.0f} s; in CPU seconds "
                    f"{r['scDMAC CPU s']:.0f} against {r['scanpy CPU s']:.0f}, {r['CPU ratio']:.1f} times), with "
                    f"{r['scDMAC GiB']:.2f} GiB peak memory against {r['scanpy GiB']:.2f} GiB, and ARI "
                    f"{r['scDMAC ARI']:.2f} against {r['scanpy ARI']:.2f} (scanpy found {r['scanpy clusters']} "
                    f"clusters for {r['types']} types).")
    sim = table[table["kind"] == "simulated"].sort_values("cells")
    if len(sim) >= 2:
        lo, hi = sim.iloc[0], sim.iloc[-1]
        text.append(f"On the simulations the time ratio goes from {lo['time ratio']:.1f} at {_cells(lo['cells'])} "
                    f"cells to {hi['time ratio']:.1f} at {_cells(hi['cells'])} cells.")
    return " ".join(text)


def scaling_sentence(frame: pd.DataFrame) -> str:
    """How time and memory grow with cells on the simulations, per command, and why for scDMAC."""
    sim = frame[(frame["kind"] == "simulated") & (frame["status"] == "ok")]
    parts = []
    for command, label in COMMANDS.items():
        grp = sim[sim["command"] == command].sort_values("n_cells")
        if len(grp) < 2:
            continue
        lo, hi = grp.iloc[0], grp.iloc[-1]
        parts.append(f"{label}, {lo['wall_s']:.0f} s to {hi['wall_s']:.0f} s ({hi['wall_s'] / lo['wall_s']:.1f} "
                     f"times) and {lo['peak_rss_gib']:.2f} to {hi['peak_rss_gib']:.2f} GiB peak memory")
    if not parts:
        return "Fewer than two simulated sizes are stored: nothing to say about scaling."
    lo_n, hi_n = sim["n_cells"].min(), sim["n_cells"].max()
    text = (f"From {_cells(lo_n)} to {_cells(hi_n)} cells ({hi_n / lo_n:.0f} times as many): " + "; ".join(parts) + ".")
    shares = stage_shares(frame[frame["kind"] == "simulated"]).sort_values("cells")
    if len(shares) >= 2:
        train = shares[[f"{s} s" for s in STAGES[1:]]].sum(axis=1) / shares["process s"]
        steps = shares[[f"{s} steps" for s in STAGES[1:]]]
        how = (f"run the same optimizer steps at every size ({', '.join(str(n) for n in steps.iloc[0])})"
               if (steps.nunique() == 1).all() else
               f"run {steps.sum(axis=1).min()} to {steps.sum(axis=1).max()} optimizer steps in all")
        text += (f" scDMAC's training stages {how} and take {train.iloc[0]:.0%} of its time at "
                 f"{_cells(shares['cells'].iloc[0])} cells, {train.iloc[-1]:.0%} at "
                 f"{_cells(shares['cells'].iloc[-1])}.")
    return text


def stage_sentence(shares: pd.DataFrame, name: str = "zeisel") -> str:
    """Where scDMAC's time goes on input ``name``, from :func:`stage_shares`."""
    sel = shares[shares["input"] == name]
    if sel.empty:
        return f"scDMAC's stages on {benchmark_label(name)} are not stored."
    r = sel.iloc[0]
    names = {"preprocess": "preprocessing", "denoise": "denoising", "mae": "the masked stage",
             "cluster": "clustering", "rest": "start-up, reading and writing the files"}
    parts = ", ".join(f"{names[s]} {r[f'{s} s'] / r['process s']:.0%}" for s in (*STAGES, "rest"))
    return f"Of the default command's {r['process s']:.0f} s on {r['file']}: {parts}."
