"""The code fingerprint in a run's identity: blind to comments, docstrings, formatting and module
moves; changed by any change of what the code does, and by nothing outside the result code."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scdmac_lib.runs import fingerprint, specs
from scdmac_lib.runs.methods import METHODS
from scdmac_lib.runtime import paths


@pytest.fixture
def package(tmp_path) -> Path:
    """A copy of the package to edit (the fingerprint reads source, never imports it)."""
    root = tmp_path / "scdmac_lib"
    shutil.copytree(paths.PACKAGE_DIR, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def _fp(root: Path, method: str = "scDMAC") -> str:
    return fingerprint.code_fingerprint(fingerprint.entry_modules(method), root)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


def test_the_copy_has_the_packages_fingerprint(package):
    for method in METHODS:
        assert _fp(package, method) == fingerprint.method_fingerprint(method), method


def test_comments_docstrings_and_formatting_do_not_count(package):
    before = _fp(package)
    masking = package / "method" / "masking.py"
    _edit(masking, '"""Gene-wise shuffle', '"""A reworded docstring. Gene-wise shuffle')
    _edit(masking, "    n_cells, n_genes = x.shape\n", "    # a new comment\n    n_cells,   n_genes = (x.shape)\n")
    assert _fp(package) == before


def test_a_pure_move_or_rename_of_modules_does_not_count(package):
    before = _fp(package)
    old, new = package / "method" / "masking.py", package / "method" / "corruption.py"
    old.rename(new)
    for path in package.rglob("*.py"):
        text = path.read_text()
        if "scdmac_lib.method.masking" in text:
            path.write_text(text.replace("scdmac_lib.method.masking", "scdmac_lib.method.corruption"))
    assert _fp(package) == before


def test_a_change_of_what_the_code_does_counts(package):
    before = {m: _fp(package, m) for m in ("scDMAC", "PCA + k-means", "scziDesk-style")}
    _edit(package / "method" / "masking.py", "offsets = torch.randint(1, n_cells,", "offsets = torch.randint(0, n_cells,")
    after = {m: _fp(package, m) for m in before}
    assert after["scDMAC"] != before["scDMAC"]  # scDMAC masks its input
    assert after["PCA + k-means"] == before["PCA + k-means"]  # PCA + k-means never masks: its runs stay valid
    _edit(package / "evaluation" / "metrics.py", "adjusted_rand_score(", "adjusted_rand_score (")  # formatting only
    assert _fp(package, "PCA + k-means") == before["PCA + k-means"]
    _edit(package / "evaluation" / "metrics.py", "n_clusters_found", "clusters_found")  # what a run stores
    assert _fp(package, "PCA + k-means") != before["PCA + k-means"]


def test_code_outside_the_result_code_does_not_count(package):
    before = {m: _fp(package, m) for m in METHODS}
    _edit(package / "runtime" / "files.py", "def write_text(", "def write_text_atomically(")
    _edit(package / "book" / "page.py", "MIN_CAPTION_WORDS = 4", "MIN_CAPTION_WORDS = 5")
    assert {m: _fp(package, m) for m in METHODS} == before


def test_a_changed_default_changes_the_key_through_the_configuration(monkeypatch):
    """A config default is not code: it enters the identity as a value of the resolved configuration."""
    from scdmac_lib.method import config

    spec = specs.make_spec("deng", "scDMAC", 0)
    classical = specs.make_spec("deng", "PCA + k-means", 0)
    before, before_classical = spec.key(), classical.key()
    monkeypatch.setattr(config.MAEConfig, "__init__", _with_default(config.MAEConfig, "mask_ratio", 0.25))
    assert spec.identity()["config"]["mae.mask_ratio"] == 0.25
    assert spec.key() != before
    assert classical.key() == before_classical  # PCA + k-means does not read the masked stage's settings


def _with_default(cls, name, value):
    original = cls.__init__

    def init(self, *args, **kwargs):
        kwargs.setdefault(name, value)
        original(self, *args, **kwargs)

    return init


def test_every_module_a_method_reaches_is_classified():
    """A new module on a method's path must be declared result code or not (with the reason)."""
    for method in METHODS:
        todo, seen = list(fingerprint.entry_modules(method)), set()
        while todo:
            module = todo.pop()
            if module in seen:
                continue
            seen.add(module)
            in_result = fingerprint._in(module, fingerprint.RESULT_CODE)
            in_other = fingerprint._in(module, fingerprint.NOT_RESULT_CODE)
            assert in_result or in_other, f"{method}: {module} is neither result code nor declared otherwise"
            if in_result and not in_other:
                todo.extend(fingerprint.imported_modules(fingerprint.module_path(module)))
