"""The browser check of the built book: compact tables fit the column at 1280 px, wide ones are caught;
figures too small to read in the column, legends over data, images without alternative text and raw
``$...$`` TeX are caught."""

from __future__ import annotations

import base64
import importlib.util
import math
import os
import shutil
import sys
import tempfile

import matplotlib
import nbformat
import numpy as np
import pytest
from bs4 import BeautifulSoup
from test_tables import DATASETS, full_size_runs

from scdmac_lib.book import build, legibility, page, plots_results, runner, style, tables
from scdmac_lib.data import catalogue
from scdmac_lib.report import compare, reported
from scdmac_lib.runtime import paths

CHECK_BOOK = paths.REPO_ROOT / "tools" / "check_book.py"


def _no_browser():
    """Skip without Chromium, except under CI=true, where the pages must be measured (.ci/run installs it)."""
    why = "chromium is not installed (apt-get install -y chromium): the layout cannot be measured"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{why}, and CI=true")
    pytest.skip(why)


def _check_book():
    spec = importlib.util.spec_from_file_location("check_book", CHECK_BOOK)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _page(title: str, *html_outputs: str):
    """An executed notebook: a title and one hidden code cell that displayed ``html_outputs``."""
    outputs = [nbformat.v4.new_output("display_data", data={"text/html": h}) for h in html_outputs]
    cell = nbformat.v4.new_code_cell("show()", metadata={"tags": ["hide-input"]}, outputs=outputs, execution_count=1)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {title}\n\nA table of the real size."), cell])
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    return nb


@pytest.mark.slow
def test_compact_tables_of_the_real_size_fit_and_the_old_wide_table_is_caught(tmp_path):
    check = _check_book()
    binary = check.find_chromium()
    if binary is None:
        _no_browser()
    runs = full_size_runs(seeds=(0, 1, 2, 3, 4))  # the paper profile's five seeds
    methods = list(dict.fromkeys(runs["method"]))
    reported_ari = reported.reported_metric("ari")
    long = compare.side_by_side(runs, reported_ari, "ari")
    csv = tmp_path / "long.csv"
    long.to_csv(csv, index=False)
    compact = [page.table_markup(tables.ours_table(long), "Table 2, ours: mean and sd over five seeds.", csv=csv),
               page.table_markup(tables.reported_table(reported_ari, DATASETS, methods),
                                 "Table 2 as reported by the paper, for the stand-ins' paper datasets.")]
    extra = compare.reported_only(reported_ari, [d for d in DATASETS if catalogue.paper_column(d)])
    wide = [compare.display_table(long, extra=extra).to_html(classes="dataframe")]

    book = tmp_path / "book"
    shutil.copytree(runner.book_dir(), book, ignore=shutil.ignore_patterns("executed", "_toc.yml"))
    executed = book / "executed"
    executed.mkdir()
    names = [n for n in runner.NOTEBOOKS if n not in (build.LANDING_PAGE, build.QUICK_START)][:2]
    nbformat.write(_page("Compact tables", *compact), executed / f"{names[0]}.ipynb")
    nbformat.write(_page("The old wide table", *wide), executed / f"{names[1]}.ipynb")
    build.build_book(book=book, output_dir=tmp_path)
    html = tmp_path / "_build" / "html" / "executed"

    with tempfile.TemporaryDirectory() as profile_dir:
        dom, layout = check.measure_layout(binary, html / f"{names[0]}.html", width=1280, height=2400,
                                           profile_dir=profile_dir)
        assert layout is not None, "the page's layout was not measured"
        assert check.layout_problems(layout) == []
        assert check.check_html(html / f"{names[0]}.html", dom, rendered=True) == []
        assert layout["article"][1] < 1000  # the measure ran in the book's narrow column, not a bare page

        _, wide_layout = check.measure_layout(binary, html / f"{names[1]}.html", width=1280, height=2400,
                                              profile_dir=profile_dir)
    problems = check.layout_problems(wide_layout)
    assert any("has" in p and "Deng (stand-in)" in p for p in problems), problems


# --------------------------------------------------------------------------- figures
def _figure_html(png: bytes, caption: str = "A figure of four words.", alt: str | None = None) -> str:
    uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    alt = caption if alt is None else alt
    return (f'<article class="bd-article"><h1>t</h1><figure><img src="{uri}" alt="{alt}">'
            f"<figcaption>{caption}</figcaption></figure></article>")


def _png_with(tmp_path, **record) -> bytes:
    import matplotlib.pyplot as plt

    matplotlib.use("Agg")
    fig, ax = plt.subplots(figsize=(2, 1), dpi=50)
    ax.set_title("x")
    path = tmp_path / "plain.png"
    fig.savefig(path, metadata=legibility.metadata(legibility.Record(**record)))
    plt.close(fig)
    return path.read_bytes()


def test_the_smallest_text_as_shown_is_the_recorded_one_scaled_by_the_drawn_width(tmp_path):
    check = _check_book()
    png = _png_with(tmp_path, width_px=1000, text_px=15.0, text="tick")
    soup = BeautifulSoup(_figure_html(png), "html.parser")
    assert check.figure_problems(tmp_path / "p.html", soup, [{"natural": 1000, "shown": 672}]) == ([], 10.08)
    problems, smallest = check.figure_problems(tmp_path / "p.html", soup, [{"natural": 1000, "shown": 500}])
    assert smallest == 7.5
    assert problems == ["figure 'A figure of four words.': smallest text 7.5 px as shown ('tick', 15.0 px in a "
                        "1000 px image drawn 500 px wide), below 9 px"]
    assert check.figure_problems(tmp_path / "p.html", soup, [{"natural": 999, "shown": 500}])[0] == [
        "figure 'A figure of four words.': its record is of a 1000 px wide image, the image is 999 px"]
    assert check.figure_problems(tmp_path / "p.html", soup, [{"natural": 1000, "shown": 0}]) == ([], None)  # closed


def test_a_figure_without_a_record_or_with_a_legend_on_data_fails(tmp_path):
    import matplotlib.pyplot as plt

    check = _check_book()
    fig, ax = plt.subplots()
    ax.set_title("no record")
    fig.savefig(tmp_path / "bare.png")
    plt.close(fig)
    bare = BeautifulSoup(_figure_html((tmp_path / "bare.png").read_bytes()), "html.parser")
    assert check.figure_problems(tmp_path / "p.html", bare, None)[0] == [
        "figure 'A figure of four words.' has no legibility record (show it with page.show_figure)"]
    covered = _png_with(tmp_path, width_px=100, text_px=20.0, text="t", legend_covers=("legend 1 covers 2 point(s)",))
    soup = BeautifulSoup(_figure_html(covered), "html.parser")
    assert check.figure_problems(tmp_path / "p.html", soup, None)[0] == [
        "figure 'A figure of four words.': legend 1 covers 2 point(s)"]


def test_images_without_alternative_text_are_reported(tmp_path):
    check = _check_book()
    png = _png_with(tmp_path, width_px=100, text_px=20.0, text="t")
    soup = BeautifulSoup(_figure_html(png, alt=""), "html.parser")
    assert any("has no alternative text (alt)" in p for p in check.presentation_problems(soup))
    assert not any("alt" in p for p in check.presentation_problems(BeautifulSoup(_figure_html(png), "html.parser")))


@pytest.mark.parametrize(("text", "found"), [
    ("masking ratio $p = 0.3$, $\\lambda = 0.7$", True),
    ("the total $$a + b$$ here", True),
    ("costs $5 and $6 in all", False),
    ("set $SCDMAC_THREADS first", False),
])
def test_raw_tex_outside_code_and_typeset_math_is_reported(text, found):
    check = _check_book()
    soup = BeautifulSoup(f'<article class="bd-article"><p>{text}</p><pre>echo $A and $B</pre>'
                         '<span class="math notranslate">\\(p = $x$\\)</span><code>$x$</code></article>',
                         "html.parser")
    assert bool(check.raw_math_problems(soup)) is found


def _grid_as_drawn_at_f91d5c8(long):
    """Tables 2-3's bar grid as the page drew it before this check (plots_results at commit f91d5c8):
    three 4.8 x 3.8 in panels to a row, method names at 8 pt, a 7 pt legend inside each panel."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")  # seaborn's sizes, unscaled
    datasets = list(dict.fromkeys(long["dataset"]))
    nrows = math.ceil(len(datasets) / 3)
    fig, grid = plt.subplots(nrows, 3, figsize=(14.4, 3.8 * nrows), squeeze=False)
    for extra in grid.ravel()[len(datasets):]:
        extra.set_visible(False)
    for d, ax in zip(datasets, grid.ravel(), strict=False):
        sub = long[long["dataset"] == d]
        x = np.arange(len(sub))
        ax.bar(x - 0.19, sub["ours_mean"], 0.38, color=[style.METHOD_COLORS[m] for m in sub["method"]],
               label="ours (mean ± sd)")
        ax.bar(x + 0.19, sub["reported"].fillna(0), 0.38, color="white", edgecolor="#34495e", hatch="///",
               label="reported (paper)")
        ax.set_xticks(x, sub["method"], rotation=35, ha="right", fontsize=8)
        ax.set_ylim(0, 1.18)
        ax.set_title(d, fontsize=10)
        ax.legend(fontsize=7, loc="upper center", ncol=2)
    fig.tight_layout()
    return fig


@pytest.mark.slow
def test_the_tables_2_3_grid_as_it_was_fails_the_legibility_check_and_the_new_one_passes(tmp_path, monkeypatch):
    """The check on built pages, in Chromium: the old grid's smallest text shows at under 9 px, the new one's not."""
    import matplotlib.pyplot as plt

    check = _check_book()
    binary = check.find_chromium()
    if binary is None:
        _no_browser()
    long = compare.side_by_side(full_size_runs(), reported.reported_metric("ari"), "ari")
    shown = []
    monkeypatch.setattr(page, "_display", shown.append)
    with matplotlib.rc_context():
        style.set_style()  # the page's dpi; the old grid sets the old font sizes itself
        page.show_figure(_grid_as_drawn_at_f91d5c8(long), "old", "ARI per dataset, as the page drew it.",
                         results=tmp_path)
        style.set_style()
        page.show_figure(plots_results.plot_ours_vs_reported_grid(long, metric="ARI"), "new",
                         "ARI per dataset, as the page draws it now.", results=tmp_path)
    plt.close("all")

    book = tmp_path / "book"
    shutil.copytree(runner.book_dir(), book, ignore=shutil.ignore_patterns("executed", "_toc.yml"))
    executed = book / "executed"
    executed.mkdir()
    names = [n for n in runner.NOTEBOOKS if n not in (build.LANDING_PAGE, build.QUICK_START)][:2]
    for name, title, markup in zip(names, ("The old grid", "The new grid"), shown, strict=True):
        nbformat.write(_page(title, markup), executed / f"{name}.ipynb")
    build.build_book(book=book, output_dir=tmp_path)
    html = tmp_path / "_build" / "html" / "executed"
    found = []
    with tempfile.TemporaryDirectory() as profile_dir:
        for name in names:
            dom, layout = check.measure_layout(binary, html / f"{name}.html", width=1280, height=2400,
                                               profile_dir=profile_dir)
            found.append(check.figure_problems(html / f"{name}.html", BeautifulSoup(dom, "html.parser"),
                                               layout["images"]))
    (old_problem,), old_px = found[0]
    assert "below 9 px" in old_problem and old_px < 6, old_problem
    assert found[1][0] == [] and found[1][1] >= 10


def test_an_empty_section_and_a_placeholder_are_reported():
    check = _check_book()
    html = ('<article class="bd-article"><section id="a"><h2>Per case<a class="headerlink">#</a></h2></section>'
            '<section id="b"><h2>Targets</h2><section id="c"><h3>Inner</h3><p>text</p></section></section>'
            '<section id="d"><h2>Figure</h2><img src="x.png" alt="x"></section>'
            '<p>No benchmark results yet</p></article>')
    assert check.empty_section_problems(BeautifulSoup(html, "html.parser")) == [
        "section 'Per case' is empty", "shows the placeholder 'No benchmark results yet'"]
