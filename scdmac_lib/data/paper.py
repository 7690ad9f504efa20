"""The paper's own datasets: use them in place of the stand-ins when present, fetch them, list their sources."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from scdmac_lib.data.convert import load
from scdmac_lib.data.manifest import PAPER_ROLES, list_datasets, manifest_row, raw_files
from scdmac_lib.data.retrieve import fetch, present, record_path, where_is


def _present_copy(name: str) -> str | None:
    """The present copy of one paper dataset: itself, else its fallback, else ``None``."""
    row = manifest_row(name)
    for candidate in (name, row["fallback"]):
        if candidate and present(candidate):
            return candidate
    return None


def prefer_paper_data(names: Iterable[str]) -> list[str]:
    """The datasets to run: the paper's own data in place of a stand-in whenever it is present.

    A stand-in (role ``stand-in``) is replaced by its paper dataset, or that one's fallback, when
    that is :func:`present`; a paper dataset named directly is kept when present (or replaced by
    its present fallback) and dropped when absent; any other name (extras, ``synth-...``) is kept.
    Nothing is downloaded here (see :func:`fetch_paper`).

    Examples
    --------
    >>> from scdmac_lib import data
    >>> data.prefer_paper_data(["deng", "pbmc10x"])  # doctest: +SKIP
    ['deng_paper', 'pbmc10x']
    """
    frame = list_datasets().set_index("name")
    out: list[str] = []
    for name in names:
        role = frame.at[name, "role"] if name in frame.index else None
        chosen: str | None = name
        if role == "stand-in":
            same = (frame["role"] == "paper") & (frame["stands_for"] == frame.at[name, "stands_for"])
            paper = frame.index[same]
            chosen = (_present_copy(paper[0]) if len(paper) else None) or name
        elif role in PAPER_ROLES:
            chosen = _present_copy(name)
        if chosen is not None and chosen not in out:
            out.append(chosen)
    return out


def fetch_paper(*, progress: bool = False) -> pd.DataFrame:
    """Fetch, convert and check each of the paper's datasets (its fallback when the first fails).

    Returns
    -------
    One row per paper dataset: ``dataset`` (the paper's name), ``used`` (the manifest row that
    was loaded, ``""`` when none could be), ``value_kind``, ``table1_differences`` and ``problems``
    (why a source could not be used; empty when the first one worked).
    """
    rows = []
    for _, row in list_datasets().query("role == 'paper'").iterrows():
        record = {"dataset": row["stands_for"], "used": "", "value_kind": "", "table1_differences": "",
                  "problems": ""}
        problems = []
        for candidate in (row["name"], row["fallback"]):
            if not candidate:
                continue
            try:
                fetch(candidate, progress=progress)
                adata = load(candidate)
            except (OSError, ValueError) as err:
                problems.append(f"{candidate}: {err}")
                continue
            record.update(used=candidate, value_kind=adata.uns.get("value_kind", ""),
                          table1_differences=adata.uns["table1_check"]["differences"] or "none")
            break
        record["problems"] = " | ".join(problems)
        rows.append(record)
    return pd.DataFrame(rows)


def source_table(roles: Iterable[str] = PAPER_ROLES) -> pd.DataFrame:
    """One row per raw file of the datasets with these roles: where it comes from and how it is checked.

    Columns: ``dataset`` (the paper's name), ``name`` (manifest row), ``role``, ``file``, ``url``,
    ``checksum_kind`` (``sha256``, ``git-blob-sha1`` or ``recorded``; archive members show both
    levels), ``checksum``, ``strength`` (what a match proves), ``verified`` (what was checked about
    the source) and ``here`` (``mirror``, ``cache`` or ``not here``).
    """
    strength = {"sha256": "exact: published sha256", "git-blob-sha1": "exact: git blob id of the pinned tree",
                "recorded": "weaker: none published; sha256 recorded on first download"}
    rows = []
    frame = list_datasets()
    for _, row in frame[frame["role"].isin(list(roles))].iterrows():
        for filename, source in raw_files(row):
            kinds = ([f"{source.archive_checksum.kind} (archive)"] if source.archive_checksum else [])
            record = record_path(filename)
            value = (record.read_text().strip() + " (recorded here)"
                     if source.checksum.kind == "recorded" and record.is_file() else source.checksum.value)
            rows.append({
                "dataset": row["stands_for"] or row["name"], "name": row["name"], "role": row["role"],
                "file": filename, "url": source.url + "".join(f" -> {m}" for m in source.members),
                "checksum_kind": " + ".join([*kinds, source.checksum.kind]),
                "checksum": value or "(none yet)", "strength": strength[source.checksum.kind],
                "verified": row["verified"], "here": where_is(row["name"], filename, source),
            })
    return pd.DataFrame(rows)
