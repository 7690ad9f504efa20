"""The reproducibility report's saved tables: the file format between the report and the landing page.

The report (``notebooks/90_reproducibility.py``) computes the verdicts; the landing page
(``notebooks/99_summary.py``) shows them without recomputing anything, from these CSVs under
``results/tables/``:

- ``90_reproducibility.csv``: one row per claim: its verdict (one of the four words of
  :data:`scdmac_lib.report.verdicts.VERDICTS`), the effect of its deciding comparison with its 95%
  interval, the numbers of datasets and seeds, the detectable effect and the paper's implied effect
  (:data:`CLAIMS_COLUMNS`);
- ``90_reproducibility_comparisons.csv``: every comparison of the claims made of comparisons
  (:data:`COMPARISONS_COLUMNS`);
- ``90_reproducibility_datasets.csv``: per dataset, scDMAC beside the best baseline and the runs that
  collapsed (:data:`DATASETS_COLUMNS`);
- ``90_reproducibility_selection.csv``: the method study's rule applied leaving one dataset out
  (:data:`SELECTION_COLUMNS`);
- ``90_reproducibility_facts.csv``: named numbers of the scope (budgets, mask AUC, the budget arm),
  one per row with a number and its words (:data:`FACTS_COLUMNS`);
- ``90_reproducibility_scdmac.csv``: scDMAC on each dataset and metric, ours beside the reported value,
  each dataset with its kind and label (:data:`SCDMAC_COLUMNS`);
- ``90_reproducibility_provenance.csv``: one row saying which profile, datasets, seeds and runs the
  numbers come from, and where those runs came from (:class:`Provenance`).

:func:`write_report` writes them (atomically, columns checked), :func:`read_report` finds them and
reads them back with their dtypes, refusing tables of another profile, and :func:`verdict_counts`
counts the verdicts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from scdmac_lib.data import catalogue
from scdmac_lib.report.verdicts import VERDICTS
from scdmac_lib.runtime import paths
from scdmac_lib.runtime.files import atomic_path
from scdmac_lib.runtime.provenance import commits_text

REPORT = "90_reproducibility"

#: Column -> dtype of each table ("str" columns keep empty strings, never NaN).
CLAIMS_COLUMNS = {"claim_id": "int64", "claim": "str", "source": "str", "verdict": "str", "compared": "str",
                  "effect": "float64", "low": "float64", "high": "float64", "n_datasets": "int64", "n_seeds": "int64",
                  "detectable": "float64", "reported_effect": "float64", "reported_in_interval": "str",
                  "evidence": "str"}
COMPARISONS_COLUMNS = {"claim_id": "int64", "versus": "str", "effect": "float64", "low": "float64",
                       "high": "float64", "p_holm": "float64", "detectable": "float64", "p_wilcoxon": "float64",
                       "n_datasets": "int64", "n_seeds": "int64", "outcome": "str", "reported_effect": "float64",
                       "reported_n": "int64", "reported_in_interval": "str"}
DATASETS_COLUMNS = {"dataset": "str", "kind": "str", "label": "str", "scdmac_ari": "float64", "best_baseline": "str",
                    "best_baseline_ari": "float64", "scdmac_best": "str", "collapsed": "str"}
SELECTION_COLUMNS = {"left_out": "str", "adopted": "str", "choice": "str", "scored_arm": "str",
                     "ari_left_out": "float64", "ari_in_sample_choice": "float64", "ari_baseline": "float64"}
FACTS_COLUMNS = {"fact": "str", "value": "float64", "text": "str"}
SCDMAC_COLUMNS = {"dataset": "str", "kind": "str", "label": "str", "paper_dataset": "str", "metric": "str",
                  "ours_mean": "float64", "ours_sd": "float64", "ours_best": "float64", "n_seeds": "int64",
                  "reported": "float64", "reported_note": "str"}
_SUFFIX = {"claims": "", "comparisons": "_comparisons", "datasets": "_datasets", "selection": "_selection",
           "facts": "_facts", "scdmac": "_scdmac", "provenance": "_provenance"}
_COLUMNS = {"claims": CLAIMS_COLUMNS, "comparisons": COMPARISONS_COLUMNS, "datasets": DATASETS_COLUMNS,
            "selection": SELECTION_COLUMNS, "facts": FACTS_COLUMNS, "scdmac": SCDMAC_COLUMNS}


@dataclass(frozen=True)
class Provenance:
    """What the report's numbers come from: profile, datasets, seeds, runs and where the runs came from."""

    profile: str
    datasets: tuple[str, ...]
    seeds: tuple[int, ...]
    sweep_datasets: tuple[str, ...]
    sweep_seeds: tuple[int, ...]
    n_runs: int
    from_archive: int  # runs read from the committed results archive
    from_cache: int  # runs computed earlier on the machine that executed the report
    computed: int  # runs computed while the report was executed
    commits: tuple[str, ...]  # commits that computed the runs
    devices: tuple[str, ...]  # devices that computed the runs
    executed_at_commit: str

    def row(self) -> dict[str, object]:
        """The provenance as one CSV row (sequences as space-separated words)."""
        return {f.name: " ".join(map(str, v)) if isinstance(v, tuple) else v
                for f, v in ((f, getattr(self, f.name)) for f in dataclasses.fields(self))}

    @classmethod
    def from_row(cls, row: dict[str, str]) -> Provenance:
        """Inverse of :meth:`row` (every value read as a string)."""
        values = {}
        for f in dataclasses.fields(cls):
            text = str(row[f.name])
            if f.type == "tuple[int, ...]":
                values[f.name] = tuple(int(v) for v in text.split())
            elif f.type == "tuple[str, ...]":
                values[f.name] = tuple(text.split())
            else:
                values[f.name] = int(text) if f.type == "int" else text
        return cls(**values)


def provenance_of(runs: pd.DataFrame, *, profile: str, datasets: Sequence[str], seeds: Sequence[int],
                  sweep_datasets: Sequence[str], sweep_seeds: Sequence[int], executed_at_commit: str) -> Provenance:
    """The :class:`Provenance` of a run frame (:func:`scdmac_lib.runs.execute.run_many`'s columns ``dataset``,
    ``method``, ``seed``, ``overrides``, ``origin``, ``commit`` and ``device``), each run counted once (a
    sweep's default point is a table's run; its first row says where it came from)."""
    runs = runs[~_run_ids(runs).duplicated()]
    origins = runs["origin"].value_counts()
    return Provenance(profile, tuple(datasets), tuple(int(s) for s in seeds), tuple(sweep_datasets),
                      tuple(int(s) for s in sweep_seeds), len(runs), int(origins.get("archive", 0)),
                      int(origins.get("cache", 0)), int(origins.get("computed", 0)),
                      tuple(sorted(set(runs["commit"]))), tuple(sorted(set(runs["device"]))), executed_at_commit)


def _run_ids(runs: pd.DataFrame) -> pd.Series:
    """One string per row naming its run: dataset, method, seed and the overrides."""
    overrides = runs["overrides"].map(lambda o: repr(sorted(dict(o).items())))
    return runs["dataset"].astype(str) + "|" + runs["method"] + "|" + runs["seed"].astype(str) + "|" + overrides


def scdmac_rows(side_by_side: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One metric's :func:`scdmac_lib.report.compare.side_by_side` rows of scDMAC in the columns of
    :data:`SCDMAC_COLUMNS` (each dataset with its kind and its label)."""
    rows = side_by_side[side_by_side["method"] == "scDMAC"].assign(
        label=lambda f: f["dataset"].map(catalogue.label), metric=metric.upper())
    return rows[list(SCDMAC_COLUMNS)].reset_index(drop=True)


@dataclass(frozen=True)
class ReportTables:
    """The tables of the report, as written and as read back (columns: the module's ``*_COLUMNS``)."""

    claims: pd.DataFrame
    comparisons: pd.DataFrame
    datasets: pd.DataFrame
    selection: pd.DataFrame
    facts: pd.DataFrame
    scdmac: pd.DataFrame
    provenance: Provenance

    def fact(self, name: str) -> tuple[float, str]:
        """The named fact's number and words (:data:`FACTS_COLUMNS`)."""
        rows = self.facts[self.facts["fact"] == name]
        if rows.empty:
            msg = f"the report's facts table has no {name!r} (it has {self.facts['fact'].tolist()})."
            raise KeyError(msg)
        return float(rows["value"].iloc[0]), str(rows["text"].iloc[0])


def table_path(part: str, folder: Path | None = None) -> Path:
    """Where the report's table ``part`` (a key of ``_SUFFIX``: ``"claims"``, ``"comparisons"``, ...) is saved."""
    if part not in _SUFFIX:
        msg = f"part must be one of {list(_SUFFIX)}, got {part!r}."
        raise ValueError(msg)
    return Path(folder or paths.results_dir() / "tables") / f"{REPORT}{_SUFFIX[part]}.csv"


def _typed(frame: pd.DataFrame, columns: dict[str, str], what: str) -> pd.DataFrame:
    """``frame``'s ``columns`` in order with their dtypes (str columns: empty strings for missing values)."""
    if missing := [c for c in columns if c not in frame.columns]:
        msg = f"the report's {what} table lacks the columns {missing}."
        raise ValueError(msg)
    out = frame[list(columns)].copy()
    for col, dtype in columns.items():
        out[col] = out[col].fillna("").astype(str) if dtype == "str" else out[col].astype(dtype)
    return out


def write_report(tables: ReportTables, folder: Path | None = None) -> dict[str, Path]:
    """Write every table (each atomically, columns and dtypes checked first); returns part -> path."""
    frames = {part: _typed(getattr(tables, part), columns, part) for part, columns in _COLUMNS.items()}
    frames["provenance"] = pd.DataFrame([tables.provenance.row()])
    out = {}
    for part, frame in frames.items():
        out[part] = table_path(part, folder)
        with atomic_path(out[part]) as tmp:
            frame.to_csv(tmp, index=False)
    return out


def _read(path: Path, columns: dict[str, str]) -> pd.DataFrame:
    text = {c: str for c, d in columns.items() if d == "str"}
    frame = pd.read_csv(path, dtype=text, keep_default_na=False, na_values={c: [""] for c in columns if c not in text})
    return _typed(frame, columns, path.stem)


def read_report(profile: str, folder: Path | None = None) -> ReportTables:
    """The report's tables from ``folder`` (default ``results/tables``), with their dtypes.

    A missing table fails with :class:`FileNotFoundError`, tables of another profile with
    :class:`ValueError`; both name the command that writes the right ones.
    """
    command = f".venv/bin/scdmac notebooks run {REPORT} --profile {profile}"
    found = {part: table_path(part, folder) for part in _SUFFIX}
    if missing := [p.name for p in found.values() if not p.is_file()]:
        where = paths.display_path(found["claims"].parent)
        msg = f"the reproducibility report's tables {missing} are not in {where}: run it first ({command})."
        raise FileNotFoundError(msg)
    row = pd.read_csv(found["provenance"], dtype=str, keep_default_na=False).iloc[0].to_dict()
    provenance = Provenance.from_row(row)
    if provenance.profile != profile:
        msg = (f"the reproducibility report's tables come from the {provenance.profile!r} profile, not {profile!r}: "
               f"run {command} first.")
        raise ValueError(msg)
    return ReportTables(**{part: _read(found[part], columns) for part, columns in _COLUMNS.items()},
                        provenance=provenance)


def verdict_counts(claims: pd.DataFrame) -> dict[str, int]:
    """Verdict -> number of claims, for every verdict of :data:`scdmac_lib.report.claims.VERDICTS` in order."""
    if unknown := sorted(set(claims["verdict"]) - set(VERDICTS)):
        msg = f"unknown verdict(s) {unknown} in the claims table; a verdict is one of {list(VERDICTS)}."
        raise ValueError(msg)
    counts = claims["verdict"].value_counts()
    return {v: int(counts.get(v, 0)) for v in VERDICTS}


def verdict_sentence(counts: dict[str, int], origin: Provenance) -> str:
    """``"Of **8** claims checked here: **1** holds, **2** contradicted, ..."`` (markdown) for :func:`verdict_counts`."""
    parts = [f"**{n}** {v}" for v, n in counts.items()]
    return (f"Of **{sum(counts.values())}** claims checked here: {', '.join(parts[:-1])} and {parts[-1]} "
            f"(profile {origin.profile}, seeds {', '.join(map(str, origin.seeds))}).")


def origin_sentence(origin: Provenance, recompute_command: str) -> str:
    """Where the report's runs came from, and the one command that recomputes them all (markdown)."""
    parts = [f"{origin.from_archive} read from the results archive",
             f"{origin.from_cache} computed earlier on the machine that built this book",
             f"{origin.computed} computed while it was built"]
    return (f"These numbers come from the reproducibility report's {origin.n_runs} runs: {', '.join(parts)} "
            f"(computed by the result code of commit(s) {commits_text(origin.commits)} on "
            f"{', '.join(origin.devices)}). To recompute "
            f"every run instead of reading the archive: `{recompute_command}`.")
