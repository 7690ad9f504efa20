"""The bad-input catalogue, end to end: the ``scdmac`` command and the Python API on each case."""

from __future__ import annotations

import re
import warnings

import pytest

from scdmac_lib.cli import bad_input
from scdmac_lib.method.checks import NotCountsWarning

CASES = {c.name: c for c in bad_input.CASES}


def test_catalogue_covers_the_issue():
    assert len(bad_input.CASES) >= 15
    assert len(CASES) == len(bad_input.CASES), "case names must be unique"
    for case in bad_input.CASES:
        assert case.description and "\n" not in case.description
        re.compile(case.line)


def _written(workdir):
    """Every file left under out/ and results/runs/ (inputs live under in/)."""
    found = []
    for sub in ("out", "results/runs"):
        folder = workdir / sub
        if folder.exists():
            found += [p.relative_to(workdir).as_posix() for p in folder.rglob("*")]
    return found


@pytest.mark.parametrize("name", list(CASES))
def test_command_exit_status_and_message(name, tmp_path):
    case = CASES[name]
    outcome = bad_input.run_case(case, tmp_path)
    assert outcome["exit_status"] == case.exit_status, outcome["message"]
    assert re.search(case.line, outcome["message"], re.M), outcome["message"]
    assert "Traceback" not in outcome["message"]
    if case.fails:
        assert _written(tmp_path) == [], "a refused input must leave no output and no partial file"
    elif case.name != "diverging_training":
        assert sorted(_written(tmp_path)) == ["out/clustered.h5ad"]  # no leftover .partial file


@pytest.mark.parametrize("name", ["missing_file", "negative_values", "k_below_2", "unknown_config_key"])
def test_command_in_a_fresh_process(name, tmp_path):
    """The installed entry point behaves as the in-process call (one line, the same status)."""
    case = CASES[name]
    outcome = bad_input.run_case(case, tmp_path, subprocess_run=True)
    assert outcome["exit_status"] == case.exit_status
    assert re.search(case.line, outcome["message"], re.M), outcome["message"]
    assert _written(tmp_path) == []


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c.api is not None])
def test_python_api_raises_the_same_message(name, tmp_path):
    case = CASES[name]
    case.make(tmp_path)  # writes the input file the API call reads
    pattern = case.api_message or case.message
    if isinstance(case.api_error, type) and issubclass(case.api_error, Warning):
        with pytest.warns(case.api_error, match=pattern):
            case.api(tmp_path)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # anndata's duplicate-name warning comes first
        with pytest.raises(case.api_error, match=pattern):
            case.api(tmp_path)


def test_not_counts_warning_is_a_user_warning():
    assert issubclass(NotCountsWarning, UserWarning)


def test_run_all_gives_one_row_per_case(tmp_path):
    cases = [CASES["k_below_2"], CASES["bad_set_syntax"]]
    frame = bad_input.run_all(tmp_path, cases)
    assert list(frame["case"]) == ["k_below_2", "bad_set_syntax"]
    assert frame["as expected"].all()
    assert set(frame.columns) >= {"case", "what is wrong", "exit status", "message"}


def test_a_warning_is_shown_once(tmp_path):
    outcome = bad_input.run_case(CASES["non_integer"], tmp_path)
    assert outcome["message"].count("X holds non-integer values") == 1, outcome["message"]
