"""A saved figure's legibility record: its smallest text in pixels and the data its legends cover."""

from __future__ import annotations

import os
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from scdmac_lib.book import legibility, page


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _saved(fig, tmp_path, **rc):
    with matplotlib.rc_context({"savefig.dpi": 100, "savefig.bbox": None, **rc}):
        path = page.save_figure(fig, "f", results=tmp_path)
    return path.read_bytes()


def test_the_record_holds_the_smallest_drawn_text_in_pixels_of_the_saved_png(tmp_path):
    fig, ax = plt.subplots(figsize=(4, 3), dpi=50)
    ax.plot([0, 1], [0, 1])
    ax.set_title("a title", fontsize=14)
    ax.set_xlabel("small label", fontsize=7.2)
    ax.tick_params(labelsize=9)
    ax.text(5, 5, "", fontsize=2)  # empty: draws nothing
    hidden = ax.text(0.5, 0.5, "hidden", fontsize=3)
    hidden.set_visible(False)
    record = legibility.read(_saved(fig, tmp_path))
    assert record.width_px == 400  # 4 in at the saved dpi (100), not the figure's (50)
    assert record.text_px == pytest.approx(7.2 * 100 / 72, abs=0.01)
    assert record.text == "small label"
    assert record.legend_covers == ()
    assert record.displayed_text_px(200) == pytest.approx(5.0, abs=0.01)  # drawn at half its width


def test_tick_labels_outside_the_view_are_not_counted(tmp_path):
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 1])
    ax.set_xlabel("x", fontsize=12)
    ax.set_ylabel("y", fontsize=12)
    ax.set_title("t", fontsize=12)
    ax.tick_params(labelsize=12)
    ax.set_xticks([-5, 0, 1, 5], ["far", "0", "1", "far"], fontsize=12)
    ax.get_xticklabels()[0].set_fontsize(2)  # a tick outside the limits: never drawn
    ax.set_xlim(-0.1, 1.1)
    assert legibility.read(_saved(fig, tmp_path)).text_px == pytest.approx(12 * 100 / 72, abs=0.01)


def test_a_legend_over_points_or_bars_is_reported_and_one_beside_the_axes_is_not(tmp_path):
    fig, (ax_in, ax_out) = plt.subplots(1, 2, figsize=(8, 3))
    for ax in (ax_in, ax_out):
        ax.plot([0.1, 0.9], [0.1, 0.9], marker="*", ls="none", label="reported")
        ax.bar([0.5], [0.2], width=0.1, label="ours")
        ax.axhline(0.95, label="a reference line")  # spans the axes: not data
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
    ax_in.set_title("inside")
    ax_in.legend(loc="upper right")
    ax_out.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
    (cover,) = legibility.read(_saved(fig, tmp_path)).legend_covers
    assert cover.startswith("legend 1 (of the panel 'inside') covers 1 point(s) of a series 'reported'")


def test_bars_and_values_under_a_legend_are_reported(tmp_path):
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.bar([0, 1], [1.0, 0.2], label="ours")
    ax.text(1, 0.9, "0.90")
    ax.legend(loc="upper left", fontsize=20)
    (cover,) = legibility.read(_saved(fig, tmp_path)).legend_covers
    assert "a bar or label" in cover


def test_a_png_without_a_record_reads_none(tmp_path):
    fig, ax = plt.subplots()
    ax.set_title("plain")
    fig.savefig(tmp_path / "plain.png")
    assert legibility.read((tmp_path / "plain.png").read_bytes()) is None


def test_a_script_run_with_the_recording_backend_writes_the_record(tmp_path):
    script = ("import matplotlib.pyplot as plt\n"
              "fig, ax = plt.subplots(figsize=(3, 2))\n"
              "ax.set_title('a title', fontsize=9)\n"
              "fig.savefig('out.png', dpi=120, bbox_inches='tight')\n")
    (tmp_path / "plot.py").write_text(script)
    env = {**os.environ, "MPLBACKEND": legibility.BACKEND}
    subprocess.run([sys.executable, "plot.py"], cwd=tmp_path, env=env, check=True)
    png = (tmp_path / "out.png").read_bytes()
    record = legibility.read(png)
    assert record.width_px == legibility.png_width(png)  # the tight box, as saved
    assert (record.text_px, record.text) == (pytest.approx(9 * 120 / 72, abs=0.01), "a title")  # under the 10 pt ticks


def test_a_figure_without_text_has_nothing_too_small(tmp_path):
    fig, ax = plt.subplots()
    ax.set_axis_off()
    record = legibility.read(_saved(fig, tmp_path))
    assert record.text_px == float("inf") and record.text == ""
