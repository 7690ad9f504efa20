"""The browser check of the built book: compact tables fit the column at 1280 px, wide ones are caught."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile

import nbformat
import pytest
from test_tables import DATASETS, full_size_runs

from scdmac_lib.book import build, page, runner, tables
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
