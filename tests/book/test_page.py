"""How a page presents itself: the provenance line, captions, embedded figures and CSV links."""

from __future__ import annotations

import base64
import re

import matplotlib
import numpy as np
import pandas as pd
import pytest

from scdmac_lib.book import legibility, page
from scdmac_lib.data import catalogue
from scdmac_lib.runs import archive, execute, page_runs, specs
from scdmac_lib.runs.cache import RunResult
from scdmac_lib.runs.profiles import get_profile

matplotlib.use("Agg")


def test_header_names_profile_seeds_datasets_device_and_commit():
    text = page.header_text("quick", "cpu", datasets=["deng", "worm_neuron", "synth-40x30x3"], seeds=[0, 1, 2],
                            note="one note")
    assert "Profile <b>quick</b>" in text and "seeds 0, 1, 2" in text
    assert "datasets: stand-in deng; extra worm_neuron; simulated synth-40x30x3" in text
    assert "device cpu" in text and "(asked:" not in text
    assert re.search(r"commit <code>([0-9a-f]{10}|unknown)", text)
    assert text.endswith("one note</p>")
    assert "datasets: paper&#x27;s data deng_paper" in page.header_text("quick", "cpu", datasets=["deng_paper"])
    assert "(asked: auto)" in page.header_text("smoke", "auto")
    assert "seeds none" in page.header_text("smoke", "cpu") and "datasets: none" in page.header_text("smoke", "cpu")


def test_captions_must_say_what_they_show():
    with pytest.raises(ValueError, match="caption 'ARI' is too short: say what the figure or table shows"):
        page.table_markup(pd.DataFrame({"a": [1]}), "ARI")


def test_table_markup_embeds_the_csv(tmp_path):
    csv = tmp_path / "t.csv"
    pd.DataFrame({"dataset": ["deng"], "ari": [0.5]}).to_csv(csv, index=False)
    markup = page.table_markup(pd.DataFrame({"dataset": ["deng"], "ari": [0.5]}), "ARI of each dataset here.", csv=csv)
    link = re.search(r'<a download="t.csv" href="data:text/csv;base64,([^"]+)">download the full CSV</a>', markup)
    assert link and base64.b64decode(link.group(1)) == csv.read_bytes()
    assert '<td class="num">0.500</td>' in markup


def test_large_files_are_named_not_embedded(tmp_path, monkeypatch):
    monkeypatch.setattr(page, "MAX_EMBEDDED_BYTES", 10)
    big = tmp_path / "big.csv"
    big.write_text("x" * 100)
    assert page.download_link(big).startswith("big.csv (too large to embed: <code>")


def test_show_figure_saves_and_shows_at_screen_size(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    shown = []
    monkeypatch.setattr(page, "_display", shown.append)
    fig, ax = plt.subplots(figsize=(4, 2), dpi=100)
    ax.plot([0, 1], [0, 1])
    with matplotlib.rc_context({"savefig.dpi": 200, "savefig.bbox": None}):
        page.show_figure(fig, "line", "A straight line from zero to one.", results=tmp_path)
    png = tmp_path / "figures" / "line.png"
    assert png.is_file() and not plt.get_fignums()  # saved, and closed
    assert legibility.png_width(png.read_bytes()) == 800
    (markup,) = shown
    assert 'width="400"' in markup  # shown at the figure's own dpi, not the file's
    assert "<figcaption>A straight line from zero to one.</figcaption>" in markup
    assert 'alt="A straight line from zero to one."' in markup  # the caption is the alternative text
    assert markup.endswith("</figure>")  # no takeaway given: none shown
    assert legibility.read(png.read_bytes()).width_px == 800  # the record travels with the file


def test_show_figure_writes_the_takeaway_under_the_figure(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    shown = []
    monkeypatch.setattr(page, "_display", shown.append)
    fig, ax = plt.subplots()
    ax.set_title("t")
    page.show_figure(fig, "t", "A title and nothing else.", takeaway="ours < theirs: 0.70 vs 0.30", results=tmp_path)
    (markup,) = shown
    assert markup.endswith('</figure><p class="scdmac-takeaway"><b>What to see:</b> ours &lt; theirs: 0.70 vs 0.30</p>')


# --------------------------------------------------------------------------- open_page and run origins
@pytest.fixture
def stores(tmp_path, monkeypatch):
    """An empty run cache and an empty results archive in temporary folders."""
    monkeypatch.setenv("SCDMAC_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("SCDMAC_ARCHIVE", str(tmp_path / "archive"))
    return tmp_path


def _archived_result(spec, *, commit: str, device: str) -> RunResult:
    """A finished run of ``spec`` as the archive would hold it (computed on ``device`` at ``commit``)."""
    n = catalogue.load_dataset(spec.dataset).n_obs
    return RunResult(spec, {"ari": 0.5, "nmi": 0.5}, {"wall": 1.0}, {}, {}, {"commit": commit, "device": device},
                     np.zeros(n, dtype=np.int64), None, {}, catalogue.dataset_digest(spec.dataset))


def test_a_page_whose_runs_are_all_archived_says_so_with_commit_and_device(stores, monkeypatch):
    shown = []
    monkeypatch.setattr(page, "_display", shown.append)
    specs = page_runs.specs_for("52_table5_ablation", "smoke")
    archive.write([_archived_result(s, commit="abc1234def0", device="cuda:0") for s in specs], embeddings_for=[],
                  manifest={"profile": "smoke"}, root=stores / "archive")
    pg = page.open_page("52_table5_ablation", "smoke", "cpu", n_threads=1)
    assert pg.runs == tuple(specs) and pg.profile.name == "smoke" and pg.threads == 1
    assert pg.datasets == ("synth-400x300x4",) and pg.seeds == (0,)
    (header,) = shown
    assert (f"{len(specs)} runs: {len(specs)} from the results archive (commit abc1234 on cuda:0), "
            "0 computed earlier on this machine, 0 computed now") in header
    assert "datasets: simulated synth-400x300x4" in header and "seeds 0" in header


def test_run_origins_counts_runs_computed_here_and_runs_still_to_compute(stores):
    here, later = specs.profile_specs(get_profile("smoke"), ["PCA + k-means", "Leiden (Seurat-style)"])
    assert page.run_origins([here, later]) == ("2 runs: 0 from the results archive, 0 computed earlier on this "
                                               "machine, 2 computed now")
    execute.run(here, device="cpu")
    assert page.run_origins([here]) == ("1 run: 0 from the results archive, 1 computed earlier on this machine, "
                                        "0 computed now")
    assert page.run_origins([]) == ""


def test_a_walk_through_page_reads_no_runs_and_names_its_own_dataset_and_seed(stores, monkeypatch):
    shown = []
    monkeypatch.setattr(page, "_display", shown.append)
    pg = page.open_page("20_denoise", "smoke", "cpu", datasets=["synth-400x300x4"], seeds=[3], note="walk-through")
    assert pg.runs == () and pg.datasets == ("synth-400x300x4",) and pg.seeds == (3,)
    (header,) = shown
    assert "seeds 3" in header and "simulated synth-400x300x4" in header and "runs:" not in header
    assert header.endswith("walk-through</p>")


def test_a_page_passes_only_the_parameters_it_was_given_to_its_runs(stores, monkeypatch):
    shown = []
    monkeypatch.setattr(page, "_display", shown.append)
    pg = page.open_page("60_fig4_tsne", "smoke", "cpu", datasets=None, seed=None)  # Fig. 4 takes no seeds
    assert pg.runs == tuple(page_runs.specs_for("60_fig4_tsne", "smoke")) and len(pg.runs) == 1
    assert "1 run: 0 from the results archive, 0 computed earlier on this machine, 1 computed now" in shown[0]


def test_walk_through_and_profile_datasets_come_from_the_profile():
    assert page.walkthrough_dataset("smoke") == "synth-400x300x4"
    assert page.walkthrough_dataset("smoke", paper_data=False) == "synth-400x300x4"
    assert page.profile_datasets("smoke") == ["synth-400x300x4"]
    with pytest.raises(ValueError, match="unknown profile"):
        page.walkthrough_dataset("huge")


def test_a_page_that_only_reads_says_its_missing_runs_are_missing():
    spec = specs.make_spec("synth-40x30x3", "PCA + k-means", 0, {"preprocess.n_top_genes": 20})
    assert page.run_origins([spec], computes_missing=False).endswith("1 missing (not computed by this page)")
    assert page.run_origins([spec]).endswith("1 computed now")


def test_a_takeaway_has_a_bold_lead_and_refuses_empty_text():
    assert page.takeaway_markdown("Denoising  shrinks\nthe variance.") == "**Takeaway:** Denoising shrinks the variance."
    with pytest.raises(ValueError, match="takeaway must say what the reader should see"):
        page.takeaway_markdown("  ")


def test_a_saved_table_reads_back_and_a_missing_one_is_none(tmp_path):
    frame = pd.DataFrame({"dataset": ["deng"], "ari": [0.5]})
    page.save_table(frame, "x", results=tmp_path)
    pd.testing.assert_frame_equal(page.saved_table("x", results=tmp_path), frame)
    assert page.saved_table("y", results=tmp_path) is None
