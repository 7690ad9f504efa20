"""The scanpy-shaped entry point: cluster an AnnData with scDMAC and write the results back into it."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import Literal

import numpy as np

from scdmac_lib.api.kestimate import estimate_n_clusters
from scdmac_lib.api.matrices import check_key_free, counts_matrix, matrix_name, result_keys
from scdmac_lib.method.config import ScDMACConfig, make_config, to_dict
from scdmac_lib.method.pipeline import fit_scdmac

logger = logging.getLogger(__name__)


def scdmac(
    adata, n_clusters: int | Literal["auto"], *, config: ScDMACConfig | None = None, variant: str = "scDMAC",
    layer: str | None = None, use_raw: bool = False, key_added: str = "scdmac", overwrite: bool = False,
    seed: int = 0, device: str = "auto", progress: bool = False, copy: bool = False, **overrides,
):
    """Cluster an AnnData of raw counts with scDMAC.

    Parameters
    ----------
    adata
        Cells x genes; the counts are in ``X``, ``layers[layer]`` or ``raw.X``.
    n_clusters
        k, or ``"auto"`` to estimate it first (:func:`scdmac_lib.api.kestimate.estimate_n_clusters`:
        Leiden at resolution 1 on the preprocessing's kNN graph).
    layer, use_raw
        Cluster ``layers[layer]`` or ``raw.X`` instead of ``X``. When ``X`` is not counts but a layer
        or ``.raw`` is, leaving both unset is refused with a message naming the one to pass.
    key_added, overwrite
        Results go to ``obsm[f"X_{key_added}"]`` (embedding), ``obs[f"{key_added}_cluster"]``
        (categorical labels) and ``uns[key_added]`` (config, loss histories, diagnostics, timings,
        the matrix used and how k was set). Existing results under ``key_added`` are refused unless
        ``overwrite``. Nothing else of ``adata`` changes.
    config, variant, seed, device, progress, overrides
        The configuration: ``config`` sets everything; else ``variant``, ``seed``, ``device`` and
        dotted keys such as ``**{"mae.mask_ratio": 0.2}``.
    copy
        Work on a copy and return it (else ``None``).
    """
    import pandas as pd


    if not overwrite:
        check_key_free(adata, key_added)
    x = counts_matrix(adata, layer=layer, use_raw=use_raw)
    adata = adata.copy() if copy else adata
    k_record = {"source": "given"}
    if isinstance(n_clusters, str):
        if n_clusters != "auto":
            msg = f"n_clusters must be an integer or 'auto', got {n_clusters!r}."
            raise ValueError(msg)

        base = config or make_config(2, variant=variant, seed=seed, device=device, **overrides)
        estimate = estimate_n_clusters(x, config=base.preprocess, seed=base.seed)
        logger.info("%s", estimate.describe())
        n_clusters = estimate.n_clusters
        k_record = {"source": "estimated", "description": estimate.describe(), **estimate.as_dict()}
        config = replace(base, n_clusters=n_clusters) if config is not None else None
    cfg = config or make_config(n_clusters, variant=variant, seed=seed, device=device, **overrides)
    result = fit_scdmac(x, cfg, progress=progress)
    keys = result_keys(key_added)
    adata.obsm[keys["obsm"]] = result.embedding
    adata.obs[keys["obs"]] = pd.Categorical(result.labels.astype(str))
    adata.uns[keys["uns"]] = {
        "config": json.loads(json.dumps(to_dict(cfg))),  # tuples -> lists: h5ad cannot store tuples
        "history": {stage: {k: np.asarray(v) for k, v in h.items()} for stage, h in result.history.items()},
        "diagnostics": result.diagnostics,
        "timings": result.timings,
        "device": result.device,
        "matrix": matrix_name(layer=layer, use_raw=use_raw),
        "n_clusters": {**k_record, "n_clusters": int(n_clusters)},
    }
    return adata if copy else None
