"""The papermill runner, the generated table of contents, the diagrams and the book build."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from scdmac_lib import cli
from scdmac_lib.book import build, diagrams, runner
from scdmac_lib.runs import plan
from scdmac_lib.runtime import paths

FAILING = textwrap.dedent('''\
    # %% [markdown]
    # # A notebook that fails
    #
    # Used by the tests only.

    # %% tags=["parameters"]
    profile = "quick"
    device = "auto"

    # %%
    x = 1

    # %%
    raise RuntimeError("boom from the test notebook")
    ''')


def test_registry_finds_the_notebooks():
    names = list(runner.NOTEBOOKS)
    assert "05_model_diagrams" in names
    assert names == sorted(names)
    info = runner.NOTEBOOKS["05_model_diagrams"]
    assert info["paper_item"].startswith("Figures 1-3")
    assert info["description"]
    assert {"profile", "device", "n_clusters"} <= set(info["parameters"])
    assert info["parameters"]["profile"] == "quick"
    for name, info in runner.NOTEBOOKS.items():
        assert info["path"] == paths.REPO_ROOT / "notebooks" / f"{name}.py"
        assert {"profile", "device"} <= set(info["parameters"]), name


def test_discover_reads_title_and_parameters(tmp_path):
    (tmp_path / "10_b.py").write_text(FAILING)
    (tmp_path / "02_a.py").write_text(FAILING.replace("A notebook that fails", "Table 9: things"))
    found = runner.discover(tmp_path)
    assert list(found) == ["02_a", "10_b"]
    assert found["02_a"]["paper_item"] == "Table 9: things"
    assert found["10_b"]["description"] == "Used by the tests only."
    assert found["10_b"]["parameters"] == {"profile": "quick", "device": "auto"}


def test_unknown_notebook_and_parameter_are_refused():
    with pytest.raises(ValueError, match="unknown notebook"):
        runner.run_notebook("no_such_notebook", profile="smoke")
    with pytest.raises(ValueError, match="has no parameter"):
        runner.run_notebook("05_model_diagrams", profile="smoke", parameters={"n_clustres": 3})
    with pytest.raises(ValueError, match="unknown profile"):
        runner.run_notebook("05_model_diagrams", profile="huge")


def test_cli_error_is_one_line(capsys):
    assert cli.main(["notebooks", "run", "no_such_notebook", "--profile", "smoke"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("scdmac: error: unknown notebook")


def test_toc_lists_existing_pages_in_order(tmp_path):
    executed = tmp_path / "executed"
    executed.mkdir()
    for page in ("intro", "rerun", "methods"):
        (tmp_path / f"{page}.md").write_text(f"# {page}\n")
    names = [n for n in runner.NOTEBOOKS if n not in (build.LANDING_PAGE, build.QUICK_START)][:2]
    for name in reversed(names):
        (executed / f"{name}.ipynb").write_text("{}")
    (executed / f"{names[0]}.failed.ipynb").write_text("{}")
    toc = build.toc(tmp_path, executed)
    assert toc["root"] == "intro"  # no landing page executed yet: the prose intro is the root
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    assert files == ["methods", *(f"executed/{n}" for n in names), "rerun"]

    for name in (build.LANDING_PAGE, build.QUICK_START):
        (executed / f"{name}.ipynb").write_text("{}")
    toc = build.toc(tmp_path, executed)
    assert toc["root"] == f"executed/{build.LANDING_PAGE}"
    assert toc["parts"][0] == {"caption": "Start here",
                               "chapters": [{"file": f"executed/{build.QUICK_START}"}, {"file": "intro"}]}
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    assert files.count(f"executed/{build.LANDING_PAGE}") == 0  # the root is not listed again


def test_notebook_sources_follow_the_page_conventions():
    problems = {name: runner.presentation_problems(info["path"]) for name, info in runner.NOTEBOOKS.items()}
    assert {name: p for name, p in problems.items() if p} == {}


def test_page_conventions_are_checked(tmp_path):
    bad = tmp_path / "10_bad.py"
    bad.write_text(FAILING.replace('tags=["parameters"]', "").replace(
        "x = 1", "import matplotlib.pyplot as plt\nplt.show()\npage.show_header(profile, device)"))
    problems = runner.presentation_problems(bad)
    assert any("exactly the first code cell must be tagged 'parameters'" in p for p in problems)
    assert any("shows its input: tag it hide-input" in p for p in problems)
    assert any("no provenance line: open the page with pg = page.open_page(" in p for p in problems)
    assert any("show_header(...) repeats what open_page does" in p for p in problems)
    assert any("plt.show()" in p for p in problems)
    good = tmp_path / "10_good.py"
    good.write_text(FAILING.replace('tags=["parameters"]', 'tags=["parameters", "hide-input"]')
                    .replace("# %%\n", '# %% tags=["hide-input"]\n')
                    .replace("x = 1", "pg = page.open_page('10_good', profile, device)"))
    assert runner.presentation_problems(good) == []


def test_the_injected_parameters_cell_is_removed_from_the_page():
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('profile = "quick"', metadata={"tags": ["parameters", "hide-input"]}),
        nbformat.v4.new_code_cell('profile = "smoke"', metadata={"tags": ["injected-parameters"]}),
        nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["hide-input"]}),
    ])
    runner.remove_injected_parameters(nb)
    runner.remove_injected_parameters(nb)  # idempotent
    assert [c.metadata["tags"] for c in nb.cells] == [["parameters", "hide-input"],
                                                      ["injected-parameters", "remove-cell"], ["hide-input"]]


def test_diagrams_follow_the_config():
    import matplotlib.pyplot as plt

    from scdmac_lib.method.config import make_config

    def texts(fig):
        return "\n".join(t.get_text() for ax in fig.axes for t in ax.texts)

    cfg = make_config(7, **{"mae.hidden": (96, 48), "mae.latent": 12, "mae.recon_weight": 0.8,
                            "mae.mask_loss_weight": 0.55, "zinb.hidden": (300,), "zinb.bottleneck": 20,
                            "preprocess.n_top_genes": 900})
    try:
        flow, zinb, mae = diagrams.flowchart(cfg), diagrams.zinb_diagram(cfg), diagrams.mae_diagram(cfg)
        assert "k = 7" in texts(flow)
        assert "900 \u2192 300 \u2192 20" in texts(zinb)
        assert "\u03bb = 0.8" in texts(mae)
        assert "\u03b3_m = 0.55" in texts(mae)
        assert "[12]" in texts(mae)
        ablated = diagrams.mae_diagram(make_config(7, variant="scDMAC-P"))
        assert "no mask predictor" in texts(ablated)
    finally:
        plt.close("all")


@pytest.mark.slow
def test_model_diagrams_notebook_runs_on_smoke(tmp_path, monkeypatch):
    results = tmp_path / "results"
    # the papermill kernel inherits this process's environment
    monkeypatch.setitem(os.environ, "SCDMAC_RESULTS", str(results))
    executed = tmp_path / "executed"
    out = runner.run_notebook("05_model_diagrams", profile="smoke", executed_dir=executed)
    assert out == executed / "05_model_diagrams.ipynb"
    for name in ("fig1_flowchart", "fig2_zinb_autoencoder", "fig3_masked_autoencoder"):
        png = results / "figures" / f"{name}.png"
        assert png.is_file(), png
        assert png.stat().st_size > 10_000
    nb = json.loads(out.read_text())
    meta = nb["metadata"]["papermill"]
    assert meta["parameters"] == {"profile": "smoke", "device": "auto"}
    assert not os.path.isabs(meta["input_path"])
    assert not os.path.isabs(meta["output_path"])
    assert str(paths.REPO_ROOT) not in out.read_text()
    assert not list(executed.glob(".*"))  # no temp file left
    injected = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert len(injected) == 1 and "remove-cell" in injected[0]["metadata"]["tags"]


@pytest.mark.slow
def test_failing_notebook_leaves_failed_copy(tmp_path):
    sources = tmp_path / "nbs"
    sources.mkdir()
    (sources / "99_fail.py").write_text(FAILING)
    executed = tmp_path / "executed"
    executed.mkdir()
    (executed / "99_fail.ipynb").write_text("{}")  # a stale page from an earlier success
    with pytest.raises(runner.NotebookError, match=r"99_fail failed at cell In \[4\] \(cell index \d+: raise Runt.*RuntimeError: boom"):
        runner.run_notebook("99_fail", profile="smoke", source_dir=sources, executed_dir=executed)
    assert (executed / "99_fail.failed.ipynb").is_file()
    assert not (executed / "99_fail.ipynb").exists()
    assert not list(executed.glob(".*"))


def _book_copy(tmp_path):
    book = tmp_path / "book"
    shutil.copytree(runner.book_dir(), book, ignore=shutil.ignore_patterns("executed", "_toc.yml"))
    (book / "executed").mkdir()
    return book


@pytest.mark.slow
def test_book_builds_strict_and_a_killed_build_keeps_the_previous_book(tmp_path):
    book = _book_copy(tmp_path)
    start = time.perf_counter()
    index = build.build_book(book=book, output_dir=tmp_path)
    duration = time.perf_counter() - start
    assert index == tmp_path / "_build" / "html" / "index.html"
    assert (tmp_path / "_build" / "html" / "_static" / "mathjax" / "tex-chtml.js").is_file()
    intro = (tmp_path / "_build" / "html" / "intro.html").read_text()
    assert "_static/mathjax/tex-chtml.js" in intro
    assert "cdn.jsdelivr" not in intro
    before = {p.relative_to(tmp_path): p.read_bytes() for p in (tmp_path / "_build" / "html").rglob("*.html")}

    code = f"from scdmac_lib.book import build; build.build_book(book={str(book)!r}, output_dir={str(tmp_path)!r})"
    proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    time.sleep(duration / 3)  # a build takes about as long again: kill it a third of the way in
    assert proc.poll() is None, "the build ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    after = {p.relative_to(tmp_path): p.read_bytes() for p in (tmp_path / "_build" / "html").rglob("*.html")}
    assert after == before  # the previous book, whole; the killed build's staging folder is never read


@pytest.mark.slow
def test_every_notebook_runs_on_smoke_and_the_book_builds(tmp_path, monkeypatch):
    """The whole chain on a clean machine: every notebook on the smoke profile, then a strict book."""
    monkeypatch.setitem(os.environ, "SCDMAC_RESULTS", str(tmp_path / "results"))
    book = _book_copy(tmp_path)
    for name in runner.NOTEBOOKS:
        out = runner.run_notebook(name, profile="smoke", executed_dir=book / "executed")
        assert out.is_file()
        text = out.read_text()
        assert str(paths.REPO_ROOT) not in text and str(tmp_path) not in text, f"{name} shows an absolute path"
    _landing_counts_are_the_claims_csvs(book / "executed", tmp_path / "results" / "tables")
    # the notebooks computed exactly the runs the workflow plans for them (scdmac_lib.runplan)
    planned = plan.plan("smoke", runner.NOTEBOOKS)
    assert {p.name for p in (tmp_path / "results" / "runs").iterdir()} == set(planned.runs)
    assert {p.stem.removeprefix("denoise-") for p in (tmp_path / "results" / "stages").iterdir()} == set(planned.stages)
    index = build.build_book(book=book, output_dir=tmp_path)
    html = tmp_path / "_build" / "html"
    for name in runner.NOTEBOOKS:
        assert (html / "executed" / f"{name}.html").is_file(), name
    assert "cdn.jsdelivr" not in index.read_text()
    check = subprocess.run([sys.executable, str(paths.REPO_ROOT / "tools" / "check_book.py"), "--html", str(html),
                            "--shots", str(tmp_path / "shots")], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-2000:]


def _landing_counts_are_the_claims_csvs(executed, tables):
    """The landing page's verdict counts are those of the claims CSV it reads (issue 22)."""
    import nbformat

    from scdmac_lib.report import summary_files

    report = summary_files.read_report("smoke", tables)
    nb = nbformat.read(executed / f"{build.LANDING_PAGE}.ipynb", as_version=4)
    shown = [o["data"]["text/markdown"] for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
             if "text/markdown" in o.get("data", {})]
    counts = summary_files.verdict_counts(report.claims)
    assert summary_files.verdict_sentence(counts, report.provenance) in shown
    assert sum(counts.values()) == len(report.claims) > 0


@pytest.mark.slow
def test_a_rerun_from_scratch_gives_identical_tables(tmp_path, monkeypatch):
    """Table 2/3 computed twice, each time in fresh kernels with an empty run cache."""
    import pandas as pd

    tables = {}
    for attempt in ("first", "second"):
        results = tmp_path / attempt
        monkeypatch.setitem(os.environ, "SCDMAC_RESULTS", str(results))
        runner.run_notebook("50_table2_3_ari_nmi", profile="smoke", executed_dir=tmp_path / f"executed_{attempt}")
        tables[attempt] = {p.name: p.read_bytes() for p in (results / "tables").glob("*_ari.csv")}
        tables[attempt] |= {p.name: p.read_bytes() for p in (results / "tables").glob("*_nmi.csv")}
        runs = pd.read_csv(results / "tables" / "50_table2_3_ari_nmi_runs.csv")
        tables[attempt]["runs"] = runs[["dataset", "method", "seed", "ari", "nmi", "acc"]].to_csv().encode()
    assert len(tables["first"]) >= 3
    assert tables["first"] == tables["second"]


def test_every_prose_page_the_toc_names_exists():
    names = build.PROSE_START + build.PROSE_BEFORE + build.PROSE_AFTER
    assert [n for n in names if not (runner.book_dir() / f"{n}.md").is_file()] == []
    assert "glossary" in build.PROSE_START


def test_the_glossary_opens_the_book_beside_the_intro_whatever_the_root(tmp_path):
    executed = tmp_path / "executed"
    executed.mkdir()
    for name in ("intro", "glossary", "rerun"):
        (tmp_path / f"{name}.md").write_text(f"# {name}\n")
    toc = build.toc(tmp_path, executed)
    assert toc["root"] == "intro"
    assert toc["parts"][0] == {"caption": "Start here", "chapters": [{"file": "glossary"}]}
    (executed / f"{build.LANDING_PAGE}.ipynb").write_text("{}")
    assert build.toc(tmp_path, executed)["parts"][0]["chapters"] == [{"file": "intro"}, {"file": "glossary"}]


def test_the_rerun_page_shows_the_contents_the_build_generates(tmp_path):
    executed = tmp_path / "executed"
    executed.mkdir()
    for name in ("intro", "glossary", "methods", "rerun"):
        (tmp_path / f"{name}.md").write_text(f"# {name}\n")
    for name in (build.LANDING_PAGE, build.QUICK_START, "20_denoise"):
        (executed / f"{name}.ipynb").write_text("{}")
    build.write_toc(tmp_path, executed)
    toc = build.toc(tmp_path, executed)
    text = (tmp_path / build.TOC_CONTENTS).read_text()
    assert text.endswith(build.toc_markdown(toc))
    named = [line.split("`/")[1].split("`")[0] for line in text.replace(", ", "\n").splitlines() if "{doc}`/" in line]
    assert named == [toc["root"], *(c["file"] for part in toc["parts"] for c in part["chapters"])]
    assert f"{len(toc['parts'])} parts" in text
    for part in toc["parts"]:
        assert f"**{part['caption']}**" in text
    rerun = (runner.book_dir() / "rerun.md").read_text()
    assert f"```{{include}} {build.TOC_CONTENTS}\n```" in rerun  # the page shows the generated words, not typed ones


#: Pages whose setup cells are removed from the HTML and whose figures carry a takeaway (issue 23); the
#: walk-throughs' tables carry one too.
SET_UP_AND_TAKEAWAYS = ("00_data", "01_quick_start", "10_preprocess", "20_denoise", "30_masking", "40_clustering",
                        "80_own_data", "90_reproducibility")
#: Pages whose setup cells are removed from the HTML, but whose figures do not end with ``page.show_takeaway(...)``
#: (their takeaway is ``show_figure``'s ``takeaway=`` or a generated sentence, or there is none yet).
SET_UP_ONLY = ("05_model_diagrams", "50_table2_3_ari_nmi", "51_table4_silhouette", "52_table5_ablation",
               "60_fig4_tsne", "61_fig5_7_sweeps", "70_method_study", "75_stage_diagnosis", "95_performance",
               "99_summary")
WALK_THROUGHS = ("10_preprocess", "20_denoise", "30_masking", "40_clustering")


def _code_cells(name):
    import jupytext

    nb = jupytext.read(runner.NOTEBOOKS[name]["path"], fmt="py:percent")
    return [c for c in nb.cells if c.cell_type == "code"]


@pytest.mark.parametrize("name", SET_UP_AND_TAKEAWAYS + SET_UP_ONLY)
def test_cells_that_only_set_up_the_page_are_removed_from_it(name):
    import ast

    code = _code_cells(name)
    opener = next(c for c in code if "open_page(" in c.source)
    removed = [c for c in code if "remove-input" in c.metadata.get("tags", [])]
    assert {"parameters", "remove-input"} <= set(code[0].metadata["tags"])
    assert "remove-input" in opener.metadata["tags"]
    for cell in removed:  # nothing of its own on the page: only open_page's provenance line
        shown = [n for n in ast.parse(cell.source).body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)]
        assert shown == [], f"{name}: a removed setup cell shows something: {cell.source.splitlines()[0]!r}"
    kept = [c for c in code if c not in removed and "injected-parameters" not in c.metadata.get("tags", [])]
    assert all("hide-input" in c.metadata.get("tags", []) for c in kept)  # the rest: one click away


@pytest.mark.parametrize("name", SET_UP_AND_TAKEAWAYS)
def test_every_figure_and_walk_through_table_has_a_takeaway(name):
    shows = ("show_figure(", "show_png(") + (("show_table(",) if name in WALK_THROUGHS else ())
    for cell in _code_cells(name):
        last = max(cell.source.rfind(s) for s in shows)
        if last >= 0 and "session_info" not in cell.source:
            assert "show_takeaway(" in cell.source[last:], f"{name}: no takeaway after {cell.source[last:][:60]!r}"
