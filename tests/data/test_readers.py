"""Readers of the paper's sources (scdmac_lib.data.rds, robjects and readers), on tiny files.

The R fixtures in tests/fixtures were written by R itself (tests/fixtures/make_r_fixtures.R says how): a
2017-style SingleCellExperiment (reference-class assays, byte code inside), Muraro's layout
(normcounts only), a SummarizedExperiment with a sparse assay, an ExpressionSet, and objects whose
label column holds R's NA. The HDF5 (scziDesk layout) and GEO table fixtures are written by the
tests. Every fixture holds the same 8 genes x 6 cells of counts (Gene1 all zero). The readers are
checked against the values R printed from the files it wrote (R_COUNTS, R_VALUES, the levels), not
against another reader.
"""

from __future__ import annotations

import gzip
import logging
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from scdmac_lib import data
from scdmac_lib.data import rds, readers, robjects
from scdmac_lib.runtime import paths

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CELLS = [f"cell{i}" for i in range(1, 7)]
GENES = [f"Gene{i}" for i in range(1, 9)]

# Printed by R 4.2.2 (SingleCellExperiment 1.20.0, SummarizedExperiment 1.28.0, Biobase 2.58.0,
# Matrix 1.5.3) reading back the fixtures it wrote: `Rscript tests/fixtures/make_r_fixtures.R` prints them.
# t(counts(readRDS("deng_reads_2017.rds"))), cells x genes (dim(deng) is 8 6):
R_COUNTS = np.array([
    [1, 3, 4, 6, 3, 6, 7, 5],  # cell1
    [0, 1, 2, 1, 4, 2, 4, 3],  # cell2
    [0, 8, 2, 4, 6, 2, 4, 1],  # cell3
    [0, 2, 0, 2, 5, 2, 3, 3],  # cell4
    [0, 1, 5, 4, 4, 1, 4, 2],  # cell5
    [0, 3, 4, 3, 3, 4, 0, 3],  # cell6
], dtype=np.float64)
# counts(deng)[c("Gene3", "Gene7"), c("cell2", "cell6")], the same cells of normcounts(muraro),
# of assay(pollen, "counts") (a dgCMatrix) and of exprs(MouseZeiselBrain), as {(cell, gene): value}:
R_VALUES = {
    "deng_reads_2017.rds": {("cell2", "Gene3"): 2, ("cell6", "Gene3"): 4, ("cell2", "Gene7"): 4,
                            ("cell6", "Gene7"): 0},
    "muraro_2017.rds": {("cell2", "Gene3"): 2.74, ("cell6", "Gene3"): 5.48, ("cell2", "Gene7"): 5.48,
                        ("cell6", "Gene7"): 0},
    "pollen_se.rds": {("cell2", "Gene3"): 1, ("cell6", "Gene3"): 2, ("cell2", "Gene7"): 2, ("cell6", "Gene7"): 0},
    "zeisel_eset.rda": {("cell2", "Gene3"): 2, ("cell6", "Gene3"): 4, ("cell2", "Gene7"): 4,
                        ("cell6", "Gene7"): 0},
}
# levels(deng$cell_type1), levels(factor(deng$cell_type2)), and levels(factor(...)) of muraro$cell_type1,
# pollen$cell_type1, pData(MouseZeiselBrain)$level1_class and $level2_class:
R_LEVELS = {
    "deng_reads_2017.rds": {"cell_type": ["2cell", "4cell", "zygote"],
                            "cell_type2": ["4cell", "early2cell", "mid2cell", "zy"]},
    "muraro_2017.rds": {"cell_type": ["alpha", "beta", "delta", "duct"]},
    "pollen_se.rds": {"cell_type": ["BJ", "GW16", "K562"]},
    "zeisel_eset.rda": {"cell_type": ["interneurons", "microglia", "pyramidal SS"],
                        "cell_type2": ["Int10", "Int6", "Mgl1", "S1PyrL4", "S1PyrL5"]},
}


@pytest.fixture
def counts() -> np.ndarray:
    """The fixtures' counts, cells x genes, as R printed them (for the fixtures the tests write)."""
    return R_COUNTS.copy()


# --- the R serialization reader -------------------------------------------------------------------


def test_rds_reads_old_style_sce_with_byte_code():
    obj = rds.read(FIXTURES / "deng_reads_2017.rds")
    assert robjects.r_class(obj) == "SingleCellExperiment"
    assert "reducedDims" in obj.attributes  # the 2017 slot
    assert robjects.r_class(obj.attributes["assays"]) == "ShallowSimpleListAssays"


def test_rds_assays_agree_with_r():
    exp = robjects.experiment(rds.read(FIXTURES / "deng_reads_2017.rds"), "deng")
    np.testing.assert_array_equal(exp.assays["counts"], R_COUNTS.T)  # genes x cells, as R stores them
    np.testing.assert_allclose(exp.assays["logcounts"], np.log2(R_COUNTS.T + 1))
    assert exp.genes == GENES
    assert list(exp.cells.index) == CELLS


def test_rda_returns_named_objects():
    objects = rds.read(FIXTURES / "zeisel_eset.rda")
    assert list(objects) == ["MouseZeiselBrain"]


@pytest.mark.parametrize(
    ("content", "match"),
    [(b"<!DOCTYPE html><html><body>404: Not Found</body></html>", r"not an R data file .*HTML page"),
     (gzip.compress(b"X\n\x00\x00\x00\x02"), r"ends in the middle of an R object: the file is truncated"),
     (b"\x1f\x8b\x08\x00 damaged", r"is damaged or truncated")],
)
def test_rds_refuses_bad_files(tmp_path, content, match):
    path = tmp_path / "x.rds"
    path.write_bytes(content)
    with pytest.raises(rds.RFormatError, match=match):
        rds.read(path)


def test_rds_refuses_a_truncated_real_file(tmp_path):
    raw = gzip.decompress((FIXTURES / "pollen_se.rds").read_bytes())
    path = tmp_path / "pollen.rds"
    path.write_bytes(gzip.compress(raw[: len(raw) // 2]))
    with pytest.raises(rds.RFormatError, match=r"pollen\.rds ends in the middle of an R object"):
        rds.read(path)


# --- readers of R objects ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reader", "file", "value_kind", "scale"),
    [(readers.rds_sce, "deng_reads_2017.rds", "counts", 1.0),
     (readers.rds_sce, "muraro_2017.rds", "non-integer", 1.37),  # norm <- counts * 1.37 in the R script
     (readers.rds_sce, "pollen_se.rds", "non-integer", 0.5),
     (readers.rda_eset_zeisel, "zeisel_eset.rda", "counts", 1.0)],
)
def test_r_object_readers(reader, file, value_kind, scale):
    adata = reader([FIXTURES / file])
    assert adata.shape == (6, 8)  # R: dim() is 8 6 (genes x cells)
    assert adata.X.format == "csr"
    assert adata.X.dtype == np.float32
    np.testing.assert_allclose(adata.X.toarray(), R_COUNTS * scale, rtol=1e-6)
    for (cell, gene), value in R_VALUES[file].items():
        assert adata[cell, gene].X.toarray().item() == pytest.approx(value, rel=1e-6), (cell, gene)
    assert list(adata.obs_names) == CELLS
    assert list(adata.var_names) == GENES
    assert {c: list(adata.obs[c].cat.categories) for c in adata.obs.columns} == R_LEVELS[file]
    assert adata.uns["value_kind"] == value_kind
    data.validate(adata)


def test_rds_sce_labels_and_assay_choice():
    deng = readers.rds_sce([FIXTURES / "deng_reads_2017.rds"])
    # R: as.character(deng$cell_type1)
    assert list(deng.obs["cell_type"]) == ["zygote", "2cell", "2cell", "4cell", "4cell", "zygote"]
    muraro = readers.rds_sce([FIXTURES / "muraro_2017.rds"])
    assert "normcounts" in muraro.uns["value_transform"]


@pytest.mark.parametrize(
    ("reader", "file", "match"),
    [(readers.rds_sce, "not_an_sce.rds", r"not_an_sce\.rds holds an R object of class 'DFrame'; this reader "
                                         r"takes a SingleCellExperiment"),
     (readers.rds_sce, "zeisel_eset.rda", r"is an \.rda file of objects \['MouseZeiselBrain'\]"),
     (readers.rda_eset_zeisel, "pollen_se.rds", r"does not hold the object 'MouseZeiselBrain'")],
)
def test_r_readers_refuse_other_objects(reader, file, match):
    with pytest.raises(ValueError, match=match):
        reader([FIXTURES / file])


# --- cells without a label: R's NA ------------------------------------------------------------------

# R: as.data.frame(colData(readRDS("missing_labels.rds"))) prints <NA> for cell_type1 of cell2 and cell5
# (levels "2cell" "zygote") and for cell_type2 of cell3; missing_labels.rda has the same gaps.
R_GAPS = {"cell_type1": ["zygote", None, "2cell", "2cell", None, "zygote"],
          "cell_type2": ["zy", "early2cell", None, "mid2cell", "mid2cell", "zy"]}
UNNAMED = [f"cell_{i}" for i in range(6)]  # SIMLR's Pollen list has no cell names
GAPS = pytest.mark.parametrize(
    ("reader", "file", "column", "names"),
    [(readers.rds_sce, "missing_labels.rds", r"colData\$cell_type1", CELLS),
     (readers.rda_eset_zeisel, "missing_labels.rda", r"pData\$level1_class", CELLS),
     (readers.rda_deng, "missing_labels.rda", r"Mmus_example_list\$labels", CELLS),
     (readers.rdata_pollen, "missing_labels.rda", r"Test_3_Pollen\$true_labs", UNNAMED)],
)


def test_r_missing_values_stay_missing():
    """R's NA, in a factor and in a character vector, is None: not the string "NA"."""
    cells = robjects.experiment(rds.read(FIXTURES / "missing_labels.rds"), "gaps").cells
    assert {c: list(cells[c]) for c in R_GAPS} == R_GAPS


@GAPS
def test_r_readers_refuse_missing_labels(reader, file, column, names):
    match = (rf"{file}: 2 of 6 cells have no label in its label column {column} \(first: {names[1]}, {names[4]}\)\. "
             r"A missing label is not a cell type.* call the reader with unlabelled='drop'")
    with pytest.raises(ValueError, match=match):
        reader([FIXTURES / file])


@GAPS
def test_r_readers_drop_missing_labels_when_asked(reader, file, column, names):
    adata = reader([FIXTURES / file], unlabelled="drop")
    labelled = [0, 2, 3, 5]
    assert list(adata.obs_names) == [names[i] for i in labelled]
    np.testing.assert_array_equal(adata.X.toarray(), R_COUNTS[labelled])
    assert adata.uns["dropped_unlabelled"] == {"n": 2, "cells": [names[1], names[4]]}
    assert not adata.obs["cell_type"].isna().any()
    data.validate(adata)


def test_other_annotations_keep_their_missing_values():
    adata = readers.rds_sce([FIXTURES / "missing_labels.rds"], unlabelled="drop")
    assert list(adata.obs["cell_type"].cat.categories) == ["2cell", "zygote"]
    assert adata.obs["cell_type2"].isna().tolist() == [False, True, False, False]  # cell3's NA
    assert list(adata.obs["cell_type2"].cat.categories) == ["mid2cell", "zy"]


def test_reader_refuses_an_unknown_choice_for_unlabelled():
    with pytest.raises(ValueError, match=r"unlabelled must be one of \['raise', 'drop'\], got 'keep'"):
        readers.rds_sce([FIXTURES / "deng_reads_2017.rds"], unlabelled="keep")


# --- scziDesk's HDF5 layout ---------------------------------------------------------------------------


def _write_sczidesk(path: Path, counts: np.ndarray, *, sparse: bool, drop: str | None = None,
                    labels: tuple[bytes, ...] = (b"A", b"B", b"B", b"C", b"A", b"C")) -> None:
    """Write ``counts`` in scziDesk's layout: exprs (CSR group or dense), obs/cell_type1, names as bytes."""
    with h5py.File(path, "w") as handle:
        if sparse:
            csr = sp.csr_matrix(counts)
            group = handle.create_group("exprs")
            for key, value in (("data", csr.data), ("indices", csr.indices), ("indptr", csr.indptr),
                               ("shape", np.array(csr.shape))):
                group[key] = value
        else:
            handle["exprs"] = counts
        handle.create_group("obs")["cell_type1"] = np.array(labels)
        handle.create_group("var")
        handle.create_group("uns")
        handle["obs_names"] = np.array([c.encode() for c in CELLS])
        handle["var_names"] = np.array([g.encode() for g in GENES])
        if drop:
            del handle[drop]


@pytest.mark.parametrize("sparse", [True, False])
def test_h5_sczidesk(tmp_path, counts, sparse):
    path = tmp_path / "data.h5"
    _write_sczidesk(path, counts, sparse=sparse)
    adata = readers.h5_sczidesk([path])
    np.testing.assert_array_equal(adata.X.toarray(), counts)
    assert list(adata.obs_names) == CELLS
    assert list(adata.var_names) == GENES
    assert list(adata.obs["cell_type"]) == ["A", "B", "B", "C", "A", "C"]
    assert adata.uns["value_kind"] == "counts"


@pytest.mark.parametrize(("drop", "missing"), [("exprs", r"\['exprs'\]"), ("obs/cell_type1", r"\['obs/cell_type1'\]")])
def test_h5_sczidesk_refuses_missing_keys(tmp_path, counts, drop, missing):
    path = tmp_path / "data.h5"
    _write_sczidesk(path, counts, sparse=True, drop=drop)
    with pytest.raises(ValueError, match=rf"data\.h5 lacks {missing} \(it has .*\): expected scziDesk's layout"):
        readers.h5_sczidesk([path])


def test_h5_sczidesk_refuses_empty_labels(tmp_path, counts):
    path = tmp_path / "data.h5"
    _write_sczidesk(path, counts, sparse=True, labels=(b"A", b"", b"B", b"C", b"A", b"C"))
    with pytest.raises(ValueError, match=r"data\.h5: 1 of 6 cells have no label in its label column obs/cell_type1 "
                                         r"\(first: cell2\)"):
        readers.h5_sczidesk([path])
    adata = readers.h5_sczidesk([path], unlabelled="drop")
    assert adata.uns["dropped_unlabelled"] == {"n": 1, "cells": ["cell2"]}
    assert sorted(adata.obs["cell_type"].cat.categories) == ["A", "B", "C"]


# --- GEO count table + label table (Chen) -------------------------------------------------------------


def _write_geo(folder: Path, counts: np.ndarray, labels: list[str], *, label_cells: list[str] | None = None):
    """The GEO files in their layout: a gzipped genes x cells table and a gzipped label CSV."""
    table = pd.DataFrame(counts.T.astype(int), index=pd.Index(GENES, name="Gene"), columns=CELLS)
    count_path = folder / "GSE_count.txt.gz"
    with gzip.open(count_path, "wt") as handle:
        table.to_csv(handle, sep="\t")
    label_table = pd.DataFrame({"Cell_ID_temp": label_cells or CELLS, "SVM_clusterID": labels,
                                "Batch_ID": ["B1"] * len(labels)})
    label_path = folder / "GSE_labels.csv.gz"
    with gzip.open(label_path, "wt") as handle:
        label_table.to_csv(handle)  # with R-style leading index column
    return [count_path, label_path]


def test_geo_chen_drops_unassigned_and_unlabelled_cells(tmp_path, counts):
    """The manifest says Chen's dataset is the assigned cells: 'zothers' and empty labels are dropped."""
    labels = ["Neu1", "zothers", "Neu2", "Astro", "Neu1", None]  # None: an empty field of the CSV
    adata = readers.geo_chen(_write_geo(tmp_path, counts, labels))
    assert list(adata.obs_names) == ["cell1", "cell3", "cell4", "cell5"]
    assert sorted(adata.obs["cell_type"].cat.categories) == ["Astro", "Neu1", "Neu2"]
    np.testing.assert_array_equal(adata.X.toarray(), counts[[0, 2, 3, 4]])
    assert list(adata.var_names) == GENES
    assert adata.uns["dropped_unlabelled"] == {"n": 2, "cells": ["cell2", "cell6"]}
    expected = "2 of 6 cells without a cluster (labelled 'zothers', unassigned, or empty) dropped"
    assert adata.uns["derivation"] == expected


def test_geo_chen_can_refuse_unlabelled_cells(tmp_path, counts):
    files = _write_geo(tmp_path, counts, ["Neu1", "Neu2", "Neu2", "Astro", "Neu1", None])
    match = (r"GSE_labels\.csv\.gz: 1 of 6 cells have no label in its label column SVM_clusterID "
             r"\('zothers' or empty\) \(first: cell6\)")
    with pytest.raises(ValueError, match=match):
        readers.geo_chen(files, unlabelled="raise")


def test_geo_chen_refuses_labels_of_other_cells(tmp_path, counts):
    other = [f"other{i}" for i in range(6)]
    files = _write_geo(tmp_path, counts, ["A"] * 6, label_cells=other)
    with pytest.raises(ValueError, match=r"no column of GSE_labels\.csv\.gz holds the cell names of GSE_count"):
        readers.geo_chen(files)


def test_geo_chen_refuses_partly_matching_labels(tmp_path, counts):
    cells = [*CELLS[:5], "stranger"]
    files = _write_geo(tmp_path, counts, ["A"] * 6, label_cells=cells)
    match = r"do not list the same cells \(labels for unknown cells: \['stranger'\]; cells without a label: \['cell6'\]\)"
    with pytest.raises(ValueError, match=match):
        readers.geo_chen(files)


def test_geo_chen_refuses_html_saved_as_table(tmp_path, counts):
    files = _write_geo(tmp_path, counts, ["A"] * 6)
    files[1].write_bytes(b"<!DOCTYPE html><html>Error</html>")
    with pytest.raises(ValueError, match=r"cannot be read as text tables|has no column 'SVM_clusterID'"):
        readers.geo_chen(files)


# --- load() of a paper dataset: Table-1 check, value kind, preference over the stand-in ------------


@pytest.fixture
def paper_mirror(tmp_path, monkeypatch):
    """A mirror holding the pollen fixture as 'pollen_ccImpute.rds' and the real manifest's rows."""
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    raw = (FIXTURES / "pollen_se.rds").read_bytes()
    (mirror / "pollen_ccImpute.rds").write_bytes(raw)
    frame = pd.read_csv(paths.manifest_path(), dtype=str, keep_default_na=False)
    import hashlib

    frame.loc[frame["name"] == "pollen_paper", "checksum"] = "sha256:" + hashlib.sha256(raw).hexdigest()
    manifest = tmp_path / "manifest.csv"
    frame.to_csv(manifest, index=False)
    monkeypatch.setattr(paths, "manifest_path", lambda: manifest)
    monkeypatch.setenv("SCDMAC_MIRROR", str(mirror))
    monkeypatch.setenv("SCDMAC_CACHE", str(tmp_path / "cache"))
    return mirror


def test_load_paper_dataset_shows_table1_differences(paper_mirror, caplog):
    with caplog.at_level(logging.WARNING, logger="scdmac_lib.data"):
        adata = data.load("pollen_paper")
    expected = "cells 6 vs 301; genes 8 vs 23730; types 3 vs 11"
    assert adata.uns["table1_check"]["differences"] == expected
    assert f"differs from the paper's Table 1: {expected}" in caplog.text
    assert adata.uns["value_kind"] == "non-integer"
    again = data.load("pollen_paper")  # from the cache, with the check kept
    assert again.uns["table1_check"]["differences"] == expected


def test_present_paper_data_replace_the_stand_in(paper_mirror):
    assert data.present("pollen_paper")
    assert data.prefer_paper_data(["deng", "pollen", "zeisel", "pollen_paper", "adam_paper"]) == [
        "deng", "pollen_paper", "zeisel"]
