"""How a notebook page presents itself: one provenance line, captioned figures, tables with their CSV.

Every notebook of the book builds its page from these (the conventions are in
``notebooks/README.md``):

- :func:`open_page` right after the imports: the plot style, the kernel's threads, the profile, the
  runs the page reads, and one provenance line with the profile, seeds, datasets (by kind), device,
  commit and where the runs came from (the results archive, this machine, computed now);
  papermill's injected-parameters cell is removed from the page by the runner, so this line is
  where the parameters show;
- :func:`show_figure` instead of ``save_figure`` + ``plt.show()``: saves the PNG under
  ``results/figures/`` and shows it in a ``<figure>`` with a caption that says what it shows;
- :func:`show_table`: a table (HTML from :mod:`scdmac_lib.tables`, or a frame) with its caption and
  a download link to the full CSV.

The outputs are plain HTML, so they look the same in Jupyter and in the book; images and CSVs are
embedded as data URIs, so a page never links to a file outside the built book.
"""

from __future__ import annotations

import base64
import html
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from scdmac_lib.book import legibility, style, tables
from scdmac_lib.data import catalogue
from scdmac_lib.data.paper import prefer_paper_data
from scdmac_lib.method.devices import resolve_device
from scdmac_lib.runs import execute, page_runs
from scdmac_lib.runs.profiles import Profile, get_profile
from scdmac_lib.runs.specs import RunSpec
from scdmac_lib.runtime import paths
from scdmac_lib.runtime.files import atomic_path
from scdmac_lib.runtime.paths import display_path
from scdmac_lib.runtime.provenance import git_commit, versions
from scdmac_lib.runtime.threads import set_threads

MAX_EMBEDDED_BYTES = 2_000_000  # CSVs above this are named (path under results/), not embedded
MIN_CAPTION_WORDS = 4
RECOMPUTE_COMMAND = "bash tools/book.sh quick --recompute"
_STYLE = """<style>
p.scdmac-provenance {font-size: 0.85rem; color: #444c56; background: #f6f8fa; border-left: 3px solid #c0392b;
  padding: 0.35rem 0.6rem; margin: 0.4rem 0 0.8rem 0}
figure.scdmac-figure {margin: 0.6rem 0 1rem 0}
figure.scdmac-figure img {max-width: 100%; height: auto}
figure.scdmac-figure figcaption, p.scdmac-caption {font-size: 0.88rem; color: #444c56; margin: 0.3rem 0}
p.scdmac-takeaway {margin: -0.4rem 0 1.2rem 0}
</style>"""


def _display(markup: str) -> None:
    from IPython.display import HTML, display

    display(HTML(markup))


def _esc(text) -> str:
    return html.escape(str(text), quote=True)


def _commit() -> str:
    sha = git_commit()
    base, dirty = sha.removesuffix("-dirty"), sha.endswith("-dirty")
    return base[:10] + (" (with uncommitted changes)" if dirty else "")


def _device(device: str) -> str:
    resolved = str(resolve_device(device))
    return resolved if resolved == device else f"{resolved} (asked: {device})"


def run_origins(specs: Sequence[RunSpec], *, computes_missing: bool = True) -> str:
    """Where a page's runs come from, in words: how many from the results archive (with the commits
    and devices that computed them), from this machine's cache, and computed now (or, on a page that
    does not compute missing runs, missing)."""
    if not specs:
        return ""
    archived: Counter[tuple[str, str]] = Counter()
    cached = 0
    for spec in specs:
        found = execute.stored(spec)
        if found is None:
            continue
        if found.origin == "archive":
            archived[(str(found.provenance.get("commit", "?"))[:7], str(found.provenance.get("device", "?")))] += 1
        else:
            cached += 1
    to_compute = len(specs) - sum(archived.values()) - cached
    where = ", ".join(f"commit {c} on {d}" for c, d in sorted(archived))
    parts = [f"{sum(archived.values())} from the results archive" + (f" ({where})" if where else ""),
             f"{cached} computed earlier on this machine",
             f"{to_compute} computed now" if computes_missing else f"{to_compute} missing (not computed by this page)"]
    return f"{len(specs)} run{'s' if len(specs) != 1 else ''}: " + ", ".join(parts)


def header_text(profile: str, device: str, *, datasets: Sequence[str] = (), seeds: Sequence[int] = (),
                note: str = "", runs: str = "") -> str:
    """The provenance line as HTML: profile, seeds, datasets (by kind), device, commit, where the runs
    came from (``runs``, see :func:`run_origins`) and an optional note."""
    seed_text = ", ".join(str(s) for s in seeds) if seeds else "none"
    parts = [f"Profile <b>{_esc(profile)}</b>", f"seeds {_esc(seed_text)}",
             f"datasets: {_esc(catalogue.describe_list(list(datasets)))}", f"device {_esc(_device(device))}",
             f"commit <code>{_esc(_commit())}</code>"]
    if runs:
        parts.append(_esc(runs))
    text = " &middot; ".join(parts)
    if note:
        text += f" &middot; {_esc(note)}"
    return f'{_STYLE}<p class="scdmac-provenance">{text}</p>'


def show_header(profile: str, device: str, *, datasets: Sequence[str] = (), seeds: Sequence[int] = (),
                note: str = "", runs: str = "") -> None:
    """Show the page's one-line provenance (see :func:`header_text`)."""
    _display(header_text(profile, device, datasets=datasets, seeds=seeds, note=note, runs=runs))


def profile_datasets(profile: str) -> list[str]:
    """``profile``'s datasets, the paper's copy in place of a stand-in when it is here
    (:func:`scdmac_lib.data.paper.prefer_paper_data`)."""
    return prefer_paper_data(get_profile(profile).datasets)


def walkthrough_dataset(profile: str, *, paper_data: bool = True) -> str:
    """The dataset ``profile``'s walk-through pages show: the paper's copy of it when it is here and
    ``paper_data`` (:func:`scdmac_lib.data.paper.prefer_paper_data`), else the profile's own."""
    name = get_profile(profile).walkthrough_dataset
    return prefer_paper_data([name])[0] if paper_data else name


@dataclass(frozen=True)
class Page:
    """An opened page: its name, profile, device, CPU threads and the runs it reads (in order)."""

    name: str
    profile: Profile
    device: str
    threads: int
    runs: tuple[RunSpec, ...]
    datasets: tuple[str, ...]
    seeds: tuple[int, ...]


def open_page(name: str, profile: str, device: str = "auto", *, n_threads: int | None = None,
              datasets: Sequence[str] | None = None, seeds: Sequence[int] | None = None, note: str = "",
              computes_missing: bool = True, **params: Any) -> Page:
    """Open a notebook page: plot style, the kernel's CPU threads, the profile, the runs, the provenance line.

    The runs are those the workflow plans for the page
    (:func:`scdmac_lib.runs.page_runs.specs_for` with ``datasets``, ``seeds`` and the page's other
    ``params``; ``None`` means the profile's and is not passed on, so a page whose runs take no
    ``seeds`` leaves it at ``None``: Fig. 4 takes one ``seed``). The line names the datasets and
    seeds of those runs (or ``datasets`` and ``seeds`` themselves on a page that reads none) and says
    where the runs come from (:func:`run_origins`; ``computes_missing=False`` on a page that only reads).
    """
    style.set_style()
    threads = set_threads(n_threads)
    prof = get_profile(profile)
    given = {k: v for k, v in {"datasets": datasets, "seeds": seeds, **params}.items() if v is not None}
    specs = tuple(page_runs.specs_for(name, prof, **given) if name in page_runs.NOTEBOOK_RUNS else ())
    shown_datasets = tuple(dict.fromkeys(s.dataset for s in specs)) or tuple(datasets or ())
    shown_seeds = tuple(sorted({s.seed for s in specs})) or tuple(seeds or ())
    show_header(prof.name, device, datasets=shown_datasets, seeds=shown_seeds, note=note,
                runs=run_origins(specs, computes_missing=computes_missing))
    return Page(name, prof, device, threads, specs, shown_datasets, shown_seeds)


def _check_caption(caption: str) -> str:
    words = str(caption).split()
    if len(words) < MIN_CAPTION_WORDS:
        msg = (f"caption {caption!r} is too short: say what the figure or table shows "
               f"(at least {MIN_CAPTION_WORDS} words).")
        raise ValueError(msg)
    return " ".join(words)


def download_link(path: Path | str, label: str | None = None) -> str:
    """An HTML link that downloads the file at ``path`` (embedded), or its name when it is too large."""

    path = Path(path)
    data = path.read_bytes()
    label = label or path.name
    if len(data) > MAX_EMBEDDED_BYTES:
        return f"{_esc(label)} (too large to embed: <code>{_esc(display_path(path))}</code>)"
    mime = "text/csv" if path.suffix == ".csv" else "application/octet-stream"
    uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return f'<a download="{_esc(path.name)}" href="{uri}">{_esc(label)}</a>'


def table_markup(table: str | pd.DataFrame, caption: str, *, csv: Path | str | None = None) -> str:
    """HTML of a table under its caption, with a link to download the full CSV when ``csv`` is given.

    ``table`` is HTML from :mod:`scdmac_lib.tables` or a frame (rendered by
    :func:`scdmac_lib.book.tables.text_table`).
    """

    markup = tables.text_table(table) if isinstance(table, pd.DataFrame) else str(table)
    link = f" &middot; {download_link(csv, 'download the full CSV')}" if csv is not None else ""
    return (f'{_STYLE}<div class="scdmac-table-block"><p class="scdmac-caption">{_esc(_check_caption(caption))}'
            f"{link}</p>{markup}</div>")


def show_table(table: str | pd.DataFrame, caption: str, *, csv: Path | str | None = None) -> None:
    """Show a table under its caption (see :func:`table_markup`)."""
    _display(table_markup(table, caption, csv=csv))


def show_figure(fig, name: str, caption: str, *, takeaway: str = "", results: Path | None = None) -> None:
    """Save ``fig`` to ``results/figures/NAME.png`` (:func:`save_figure`), show it with its caption and, under
    it, the ``takeaway`` (what the reader should see, computed from the numbers shown:
    :mod:`scdmac_lib.book.takeaways`), and close it."""
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    _check_caption(caption)
    path = save_figure(fig, name, results=results)
    screen_dpi = fig.dpi  # the size Jupyter's inline backend shows it at; the file has savefig.dpi
    plt.close(fig)
    saved_dpi = mpl.rcParams["savefig.dpi"]
    show_png(path, caption, scale=screen_dpi / saved_dpi if isinstance(saved_dpi, (int, float)) else 1.0,
             takeaway=takeaway)


def show_png(path: Path | str, caption: str, *, scale: float = 1.0, takeaway: str = "") -> None:
    """Show the PNG file at ``path`` in a ``<figure>`` with its caption, which is also the image's
    alternative text, and the ``takeaway`` under it (embedded: the page needs no file).

    ``scale`` sets the shown width as a fraction of the file's pixel width (never wider than the column).
    """
    text = _check_caption(caption)
    data = Path(path).read_bytes()
    uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    width = round(legibility.png_width(data) * scale)
    after = f'<p class="scdmac-takeaway"><b>What to see:</b> {_esc(takeaway)}</p>' if takeaway.strip() else ""
    _display(f'{_STYLE}<figure class="scdmac-figure"><img src="{uri}" alt="{_esc(text)}" width="{width}">'
             f"<figcaption>{_esc(text)}</figcaption></figure>{after}")



def takeaway_markdown(text: str) -> str:
    """A takeaway as Markdown: what the reader should see in the figure or table above it (one or two
    sentences from :mod:`scdmac_lib.book.takeaways`, which may link glossary terms), after a bold lead."""
    words = str(text).split()
    if not words:
        msg = "a takeaway must say what the reader should see: the text is empty."
        raise ValueError(msg)
    return f"**Takeaway:** {' '.join(words)}"


def show_takeaway(text: str) -> None:
    """Show a takeaway under the figure or table just shown (see :func:`takeaway_markdown`)."""
    from IPython.display import Markdown, display

    display(Markdown(takeaway_markdown(text)))

def _table_path(name: str, results: Path | None) -> Path:
    return Path(results or paths.results_dir()) / "tables" / f"{name}.csv"


def save_table(frame: pd.DataFrame, name: str, *, results: Path | None = None) -> Path:
    """Write ``frame`` to ``results/tables/NAME.csv`` atomically; return the path."""
    final = _table_path(name, results)
    with atomic_path(final) as tmp:
        frame.to_csv(tmp, index=False)
    return final


def saved_table(name: str, *, results: Path | None = None) -> pd.DataFrame | None:
    """The table :func:`save_table` saved as ``NAME`` (another page's, in this build), or ``None``."""
    path = _table_path(name, results)
    return pd.read_csv(path) if path.is_file() else None


def save_figure(fig, name: str, *, results: Path | None = None) -> Path:
    """Save ``fig`` to ``results/figures/NAME.png`` atomically, with its legibility record (its smallest
    text in pixels and the data its legends cover: :mod:`scdmac_lib.book.legibility`); return the path."""
    final = Path(results or paths.results_dir()) / "figures" / f"{name}.png"
    style.refit_legends(fig)
    with atomic_path(final) as tmp:
        fig.savefig(tmp, format="png", backend=legibility.BACKEND)
    return final


def session_info(profile: str, device: str) -> pd.DataFrame:
    """Versions, commit, profile and device of this notebook's kernel, as a two-column table."""
    rows = {**versions(), "commit": git_commit(), "profile": profile, "device": device}
    return pd.DataFrame({"item": list(rows), "value": list(rows.values())})
