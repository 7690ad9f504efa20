"""How a page presents itself: the provenance line, captions, embedded figures and CSV links."""

from __future__ import annotations

import base64
import re

import matplotlib
import pandas as pd
import pytest

from scdmac_lib.book import page

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
    assert page._png_width(png.read_bytes()) == 800
    (markup,) = shown
    assert 'width="400"' in markup  # shown at the figure's own dpi, not the file's
    assert "<figcaption>A straight line from zero to one.</figcaption>" in markup
