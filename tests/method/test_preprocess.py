import numpy as np
import pytest
import scipy.sparse as sp

from scdmac_lib.method import preprocess
from scdmac_lib.method.config import PreprocessConfig


def test_size_factors_are_library_over_median():
    counts = sp.csr_matrix(np.array([[1, 1], [2, 2], [4, 4]], dtype=np.float32))
    np.testing.assert_allclose(preprocess.size_factors(counts), [0.5, 1.0, 2.0])


def test_normalize_log1p_by_hand():
    counts = sp.csr_matrix(np.array([[1, 3], [2, 0]], dtype=np.float32))
    out = preprocess.normalize_log1p(counts, preprocess.library_sizes(counts), 10.0)
    np.testing.assert_allclose(out, np.log1p([[2.5, 7.5], [10.0, 0.0]]), rtol=1e-6)


def test_preprocess_selects_hvgs_and_builds_knn(adata_e2e):
    prep = preprocess.preprocess(adata_e2e.X, PreprocessConfig(n_top_genes=100, n_neighbors=10))
    assert prep.counts.shape == (400, 100) and prep.lognorm.shape == (400, 100)
    assert prep.knn.shape == (400, 10)
    assert not (prep.knn == np.arange(400)[:, None]).any()  # a cell is not its own neighbour
    labels = adata_e2e.obs["cell_type"].to_numpy()
    assert (labels[prep.knn] == labels[:, None]).mean() > 0.6  # chance is 0.25


@pytest.mark.parametrize("flavor", ["seurat_v3", "seurat", "cell_ranger"])
def test_every_hvg_flavor_runs(adata_e2e, flavor):
    prep = preprocess.preprocess(adata_e2e.X, PreprocessConfig(n_top_genes=50, hvg_flavor=flavor))
    assert prep.genes.size == 50


def test_empty_genes_are_ignored_and_few_genes_kept_whole(adata_small):
    x = adata_small.X.toarray()
    x[:, :10] = 0
    prep = preprocess.preprocess(x)
    assert prep.genes.min() >= 10 and prep.genes.size == x.shape[1] - 10


def test_standardize_handles_constant_genes():
    out = preprocess.standardize(np.array([[1.0, 5.0], [3.0, 5.0]], dtype=np.float32))
    np.testing.assert_allclose(out, [[-1.0, 0.0], [1.0, 0.0]])


def test_standardize_in_chunks_matches_numpy_in_float64():
    x = np.random.default_rng(1).gamma(2.0, 3.0, (1000, 9)).astype(np.float32)
    mean, sd = preprocess.column_mean_sd(x, chunk=128)
    np.testing.assert_allclose(mean, x.astype(np.float64).mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(sd, x.astype(np.float64).std(axis=0), rtol=1e-10)
    z = preprocess.standardize(x)
    assert z.dtype == np.float32
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(z.std(axis=0), 1, atol=1e-5)


def test_hvg_falls_back_when_the_seurat_v3_fit_is_singular(monkeypatch):
    def singular(*args, **kwargs):
        raise ValueError("reciprocal condition number 5.5e-15")

    monkeypatch.setattr(preprocess, "seurat_v3_genes", singular)
    counts = sp.csr_matrix(np.random.default_rng(0).poisson(1.0, (80, 60)).astype(np.float32))
    with pytest.warns(preprocess.HVGFallbackWarning, match="seurat_v3 gene selection failed"):
        genes = preprocess.select_genes(counts, PreprocessConfig(n_top_genes=20, hvg_flavor="seurat_v3"))
    assert len(genes) == 20


def test_seurat_v3_selection_matches_scanpy(adata_e2e):
    import anndata as ad
    import scanpy as sc

    counts = preprocess.as_csr(adata_e2e.X)
    reference = ad.AnnData(counts.copy())
    sc.pp.highly_variable_genes(reference, n_top_genes=60, flavor="seurat_v3")
    expected = np.flatnonzero(reference.var["highly_variable"].to_numpy())
    np.testing.assert_array_equal(preprocess.seurat_v3_genes(counts, 60), expected)


def test_cosine_neighbours_match_an_exhaustive_search():
    rng = np.random.default_rng(3)
    points = rng.normal(size=(300, 8)).astype(np.float32)
    points[5] = 0.0  # a zero row: similar to none
    ours = preprocess.top_cosine_neighbours(points, 6, chunk=64)  # several blocks
    unit = points / np.maximum(np.linalg.norm(points, axis=1, keepdims=True), 1e-30)
    sims = unit @ unit.T
    np.fill_diagonal(sims, -np.inf)
    expected = np.argsort(-sims, axis=1, kind="stable")[:, :6]
    assert not (ours == np.arange(300)[:, None]).any()
    rows = np.arange(300) != 5  # the zero row's neighbours are all ties
    np.testing.assert_array_equal(np.sort(ours[rows], axis=1), np.sort(expected[rows], axis=1))
