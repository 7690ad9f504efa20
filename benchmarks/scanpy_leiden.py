"""scanpy's Leiden pipeline on an ``.h5ad`` file of raw counts, as one process (what ``run.py`` times).

The steps and their defaults are those of scanpy's quickstart (scanpy.readthedocs.io, "Quickstart"):
filter cells with fewer than 100 genes and genes seen in fewer than 3 cells, normalize each cell's
total, log1p, 2000 highly variable genes, PCA, the kNN graph and Leiden (igraph, 2 iterations, the
default resolution 1), without the UMAP and marker genes that only serve plots. One change: the kNN
graph is exact (scikit-learn's transformer, what scanpy itself does below 4096 cells) at every size,
because scanpy 1.11's default above 4096 cells, pynndescent, hands back a sparse array scanpy 1.11
cannot read (``AttributeError: 'csr_array' object has no attribute 'getnnz'``, pynndescent 0.7 with
SciPy 1.16). The clusters go to ``obs["leiden"]`` of the output file. Usage::

    .venv/bin/python benchmarks/scanpy_leiden.py IN.h5ad OUT.h5ad
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", help="raw counts in X")
    parser.add_argument("output", help="the input's cells that pass the filter, with obs['leiden']")
    args = parser.parse_args(argv)

    import scanpy as sc

    adata = sc.read_h5ad(args.input)
    sc.pp.filter_cells(adata, min_genes=100)
    sc.pp.filter_genes(adata, min_cells=3)
    sc.pp.normalize_total(adata)
    sc.pp.log1p(adata)
    sc.pp.highly_variable_genes(adata, n_top_genes=2000)
    sc.pp.pca(adata)
    sc.pp.neighbors(adata, transformer="sklearn")
    sc.tl.leiden(adata, flavor="igraph", n_iterations=2)
    adata.write_h5ad(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
