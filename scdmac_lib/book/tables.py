"""Compact result tables for the book: narrow enough for a page, with the full numbers one click away.

The benchmark tables (ARI, NMI, silhouette, ablations) come as long frames, one row per dataset x
method (:func:`scdmac_lib.report.compare.side_by_side`). Here they become

- :func:`ours_table`: datasets as rows, methods as columns, each cell the mean over seeds with the
  sd below it (the best mean of a row in bold; the best seed and the number of seeds in the cell's
  tooltip and in the CSV);
- :func:`reported_table`: the paper's own values in a second, visually distinct table laid out like
  ours (datasets as rows, the methods we run as columns, then the best of the paper's other methods);
  a value lost in extraction shows as a dagger;
- :func:`text_table`: any frame of text (datasets, details) as a table whose long cells wrap
  (:func:`with_dataset_labels` names its datasets with their kind first);
- :func:`claims_table`: the reproducibility report's claims table, whatever its columns, each
  verdict linked to the numbers behind it (:func:`claim_anchor`).

Every builder returns HTML (a string) styled by :data:`STYLE`, which :func:`scdmac_lib.book.page.show_table`
puts on the page with a caption and a download link to the full CSV. Widths grow with the number of
methods, never with the number of datasets or seeds.
"""

from __future__ import annotations

import html
import math
import numbers
from collections.abc import Sequence

import numpy as np
import pandas as pd

from scdmac_lib.data import catalogue
from scdmac_lib.report.reported import LOST, paper_method

DAGGER = "\u2020"
COLLAPSED = "\u26a0"  # marks a cell with runs that collapsed (scdmac_lib.report.shared_space.collapsed)


#: Scoped CSS of every table built here (placed once per table; it works in Jupyter as in the book).
STYLE = """<style>
table.scdmac-table {border-collapse: collapse; font-size: 0.82rem; line-height: 1.25; margin: 0.3rem 0;
  width: auto; max-width: 100%; table-layout: auto}
table.scdmac-table th, table.scdmac-table td {padding: 0.25rem 0.45rem; border-bottom: 1px solid #d0d7de;
  vertical-align: top; text-align: right; white-space: normal; overflow-wrap: anywhere}
table.scdmac-table th {font-weight: 600; text-align: center; vertical-align: bottom; overflow-wrap: normal}
table.scdmac-table th.rowhead {text-align: left}
table.scdmac-table td.num {white-space: nowrap; overflow-wrap: normal}
table.scdmac-table td.text {text-align: left; min-width: 6rem}
table.scdmac-table td.nowrap {white-space: nowrap; overflow-wrap: normal}
table.scdmac-table .sd {display: block; font-size: 0.72rem; color: #57606a}
table.scdmac-table .collapsed {display: block; font-size: 0.72rem; color: #cf222e}
table.scdmac-table .best {font-weight: 700}
table.scdmac-table .ours {background: #fdf3f2}
table.scdmac-table.scdmac-reported {background: #f3f6fa; border: 1px dashed #8c959f; font-style: italic}
table.scdmac-table.scdmac-reported th {font-style: normal}
table.scdmac-table .missing {color: #8c959f}
table.scdmac-table .verdict-holds a {color: #1a7f37; font-weight: 600}
table.scdmac-table .verdict-fails a {color: #cf222e; font-weight: 600}
table.scdmac-table .verdict-open a {color: #9a6700; font-weight: 600}
table.scdmac-table .verdict-untested a {color: #57606a}
</style>"""


def _esc(value) -> str:
    return html.escape(str(value), quote=True)


def _label(value) -> str:
    """An escaped row or column label that may wrap after an underscore (``mouse_<wbr>bladder``)."""
    return _esc(value).replace("_", "_<wbr>")


def _isnan(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _cell(mean: float, sd: float, best: float, n: int, digits: int, *, is_best: bool, ours: bool,
          collapsed: int = 0) -> str:
    classes = ["num"] + (["best"] if is_best else []) + (["ours"] if ours else [])
    if n == 0 or _isnan(mean):
        return '<td class="num missing" title="not run">&ndash;</td>'
    tip = f"mean of {n} seed{'s' if n != 1 else ''}"
    body = f"{mean:.{digits}f}"
    if n >= 2 and not _isnan(sd):
        tip += f"; sd {sd:.{digits}f}; best seed {best:.{digits}f}"
        body += f'<span class="sd">\u00b1{sd:.{digits}f}</span>'
    if collapsed:
        tip += f"; {collapsed} of {n} runs collapsed (fewer clusters than half the types)"
        body += f'<span class="collapsed">{COLLAPSED} {collapsed}/{n}</span>'
    return f'<td class="{" ".join(classes)}" title="{_esc(tip)}">{body}</td>'


def ours_frame(long: pd.DataFrame, *, digits: int = 3) -> pd.DataFrame:
    """The compact table as text: datasets x methods, each cell ``mean ± sd`` (``mean`` with one seed)."""
    methods = list(dict.fromkeys(long["method"]))
    rows = {}
    for dataset, group in long.groupby("dataset", sort=False):
        by = group.set_index("method")
        row = {}
        for m in methods:
            if m not in by.index or _isnan(by.loc[m, "ours_mean"]):
                row[m] = ""
                continue
            r = by.loc[m]
            text = f"{r['ours_mean']:.{digits}f}"
            if int(r["n_seeds"]) >= 2 and not _isnan(r["ours_sd"]):
                text += f" \u00b1 {r['ours_sd']:.{digits}f}"
            row[m] = text
        rows[catalogue.label(dataset)] = row
    out = pd.DataFrame.from_dict(rows, orient="index", columns=methods)
    out.index.name = "dataset"
    return out


def ours_table(long: pd.DataFrame, *, digits: int = 3, highlight: str = "scDMAC") -> str:
    """Datasets as rows, methods as columns: mean over seeds with the sd below; best mean of a row in bold.

    ``long`` is a :func:`scdmac_lib.report.compare.side_by_side` frame (columns ``dataset, method,
    ours_mean, ours_sd, ours_best, n_seeds``). The ``highlight`` method's column is tinted. With a column
    ``collapsed`` (runs that found fewer clusters than half the types), a cell with such runs is marked.
    """
    needed = {"dataset", "method", "ours_mean", "ours_sd", "ours_best", "n_seeds"}
    if missing := needed - set(long.columns):
        msg = f"the table lacks the columns {sorted(missing)} (expected a report.side_by_side frame)."
        raise ValueError(msg)
    methods = list(dict.fromkeys(long["method"]))
    head = "".join(f"<th>{_label(m)}</th>" for m in methods)
    body = []
    for dataset, group in long.groupby("dataset", sort=False):
        by = group.set_index("method")
        means = by["ours_mean"].astype(float)
        top = means.max() if means.notna().any() else math.nan
        cells = []
        for m in methods:
            if m not in by.index:
                cells.append('<td class="num missing" title="not run">&ndash;</td>')
                continue
            r = by.loc[m]
            is_best = not _isnan(top) and not _isnan(r["ours_mean"]) and float(r["ours_mean"]) >= top - 1e-12
            cells.append(_cell(float(r["ours_mean"]), float(r["ours_sd"]), float(r["ours_best"]), int(r["n_seeds"]),
                               digits, is_best=is_best, ours=m == highlight,
                               collapsed=int(r.get("collapsed", 0) or 0)))
        body.append(f'<tr><th class="rowhead">{_label(catalogue.label(dataset))}</th>{"".join(cells)}</tr>')
    return (f'{STYLE}<table class="scdmac-table scdmac-ours"><thead><tr><th class="rowhead">dataset</th>{head}</tr>'
            f'</thead><tbody>{"".join(body)}</tbody></table>')


def reported_frame(reported: pd.DataFrame | None, datasets: Sequence[str],
                   ran: Sequence[str] = ()) -> pd.DataFrame:
    """The paper's values laid out like ours: one row per dataset of ``datasets`` the paper has a column for.

    Columns: the paper's value of each method of ``ran`` it reports (named as we name it, in ``ran``'s order),
    then ``best other (paper)`` and ``its method``: the best value among the paper's methods we do not run.
    Rows are labelled with our dataset (its kind included). Lost values stay ``NaN``. Empty when ``reported``
    is ``None`` or no dataset has a column.
    """
    if reported is None:
        return pd.DataFrame()
    rows = {}
    others = [m for m in reported.index if m not in {paper_method(r) for r in ran}]
    for d in datasets:
        col = catalogue.paper_column(d)
        if col is None or col not in reported.columns:
            continue
        row = {m: reported.loc[paper_method(m), col] for m in ran if paper_method(m) in reported.index}
        values = reported.loc[others, col].dropna() if others else pd.Series(dtype=float)
        row["best other (paper)"] = values.max() if len(values) else math.nan
        row["its method"] = values.idxmax() if len(values) else ""
        rows[catalogue.label(d)] = row
    if not rows:
        return pd.DataFrame()
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "dataset"
    return out


def reported_table(reported: pd.DataFrame | None, datasets: Sequence[str], ran: Sequence[str] = (),
                   *, digits: int = 3) -> str:
    """The paper's reported values as a tinted, dashed-border table laid out like :func:`ours_table`
    (:func:`reported_frame`: datasets as rows, our methods as columns, then the best of the paper's other
    methods); empty string when there are none. A value lost in the paper's extraction is a dagger
    (explained under the table)."""
    frame = reported_frame(reported, datasets, ran)
    if frame.empty:
        return ""
    cols = [c for c in frame.columns if c != "its method"]
    head = "".join(f"<th>{_label(c)}</th>" for c in cols)
    body = []
    for dataset, row in frame.iterrows():
        cells = "".join(
            f'<td class="num missing" title="{LOST}">{DAGGER}</td>' if _isnan(row[c])
            else f'<td class="num">{float(row[c]):.{digits}f}' + (
                f'<span class="sd">{_esc(row["its method"])}</span>' if c == "best other (paper)" else "") + "</td>"
            for c in cols)
        body.append(f'<tr><th class="rowhead">{_label(dataset)}</th>{cells}</tr>')
    lost = bool(frame[cols].isna().to_numpy().any())
    note = (f'<tfoot><tr><td class="text" colspan="{len(cols) + 1}">{DAGGER} {LOST} (the paper\'s bold '
            "or underlined value did not survive the web extraction)</td></tr></tfoot>") if lost else ""
    return (f'{STYLE}<table class="scdmac-table scdmac-reported"><thead><tr><th class="rowhead">reported by the paper'
            f'</th>{head}</tr></thead><tbody>{"".join(body)}</tbody>{note}</table>')


def text_table(frame: pd.DataFrame, *, index: bool = False, digits: int = 3,
               links: dict[str, Sequence[str]] | None = None, classes: dict[str, Sequence[str]] | None = None) -> str:
    """Any frame as a compact table whose long text cells wrap; numbers right-aligned to ``digits``.

    ``links`` maps a column to one URL per row: that column's cells become links (``""`` for none);
    ``classes`` maps a column to one extra CSS class per row.
    """
    frame = frame.reset_index() if index else frame
    links = links or {}
    classes = classes or {}
    head = "".join(f"<th>{_label(c)}</th>" for c in frame.columns)
    body = []
    for i, (_, row) in enumerate(frame.iterrows()):
        cells = []
        for col in frame.columns:
            value = row[col]
            if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
                text, kind = str(value), "num"
            elif isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
                text, kind = ("" if math.isnan(value) else f"{value:.{digits}f}"), "num"
            else:
                text, kind = ("" if value is None else str(value)), "text"
            cell = _label(text) if kind == "text" else _esc(text)
            url = links.get(col, [""] * len(frame))[i]
            if url:
                cell = f'<a href="{_esc(url)}">{cell}</a>'
            extra = classes.get(col, [""] * len(frame))[i]
            cells.append(f'<td class="{kind}{" " + _esc(extra) if extra else ""}">{cell}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (f'{STYLE}<table class="scdmac-table scdmac-text"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def with_dataset_labels(frame: pd.DataFrame, column: str = "dataset") -> pd.DataFrame:
    """``frame`` with each name of ``column`` replaced by its label, kind included (``Deng (stand-in)``):
    how a page shows a table whose CSV keeps the bare names."""
    return frame.assign(**{column: [catalogue.label(name) for name in frame[column]]})


#: The columns of a claim's numbers (:attr:`scdmac_lib.report.claims.Verdict.details`) the page shows, in this
#: order and under these names, where present; the CSV keeps every column.
DETAIL_COLUMNS = {"dataset": "dataset", "versus": "versus", "value": "point", "gap": "gap",
                  "effect": "effect", "low": "low", "high": "high", "p_holm": "Holm p",
                  "n_datasets": "datasets", "n_seeds": "seeds", "detectable": "detectable", "sd": "sd",
                  "worse": "worse", "claimed": "claimed", "verdict": "verdict", "outcome": "outcome"}


def details_view(details: pd.DataFrame) -> pd.DataFrame:
    """A claim's numbers narrow enough for the book's column: :data:`DETAIL_COLUMNS` (their datasets already
    labelled with their kind; ``outcome`` only where there is no ``verdict``; low and high bound the 95%
    interval; a sweep point's gap is its mean minus the best point's, its detectable gap is in the claim's row)."""
    skip = {"outcome"} if "verdict" in details else set()
    if "value" in details:  # a sweep: the claim's row gives the detectable gap
        skip.add("detectable")
    names = [c for c in DETAIL_COLUMNS if c in details.columns and c not in skip]
    return details[names].rename(columns=DETAIL_COLUMNS)


#: CSS class of each verdict's cell (colour: holds green, contradicted red, inconclusive amber, untestable grey).
VERDICT_CLASSES = {"holds": "verdict-holds", "contradicted": "verdict-fails", "inconclusive": "verdict-open",
                   "cannot be tested here": "verdict-untested"}


def claim_anchor(claim_id) -> str:
    """The HTML id of a claim's evidence on the reproducibility page: ``claim-3``."""
    return f"claim-{claim_id}"


def _signed(value: float) -> str:
    return "" if _isnan(value) else f"{value:+.3f}"


def verdict_frame(claims: pd.DataFrame) -> pd.DataFrame:
    """The claims table (:func:`scdmac_lib.report.claims.claims_table`'s columns) as a reader sees it: the claim,
    its verdict, the effect of the deciding comparison with its 95% interval, what it rests on, the smallest
    effect the runs could detect, and whether the paper's implied effect lies inside our interval."""
    rows = []
    for r in claims.itertuples():
        effect = "" if _isnan(r.effect) else f"{_signed(r.effect)} [{_signed(r.low)}, {_signed(r.high)}]"
        paper = "" if _isnan(r.reported_effect) else f"{_signed(r.reported_effect)} ({r.reported_in_interval or '?'})"
        rows.append({"claim_id": r.claim_id, "claim": r.claim, "verdict": r.verdict,
                     "effect [95% interval]": f"{effect} ({r.compared})" if effect else "",
                     "datasets x seeds": f"{r.n_datasets} x {r.n_seeds}" if r.n_datasets else "",
                     "detectable": "" if _isnan(r.detectable) else f"{r.detectable:.3f}",
                     "paper's effect (inside?)": paper})
    return pd.DataFrame(rows)


def claims_table(claims: pd.DataFrame, *, evidence_page: str = "", drop: Sequence[str] = ()) -> str:
    """The claims table (one row per claim, any columns) with each verdict linked to its evidence.

    ``claims`` is :func:`scdmac_lib.report.claims.claims_table`'s frame, read back from its CSV or not: it
    needs ``claim_id`` and ``verdict`` and keeps every other column (a p-value added later shows
    too), except those in ``drop``. A verdict links to ``{evidence_page}#claim-N``.
    """
    if missing := {"claim_id", "verdict"} - set(claims.columns):
        msg = f"the claims table lacks the columns {sorted(missing)}."
        raise ValueError(msg)
    shown = claims.drop(columns=[c for c in drop if c in claims.columns])
    links = [f"{evidence_page}#{claim_anchor(c)}" for c in shown["claim_id"]]
    kinds = [VERDICT_CLASSES.get(v, "") for v in shown["verdict"]]
    return text_table(shown.rename(columns={"claim_id": "#"}), links={"verdict": links}, classes={"verdict": kinds})
