"""scVI + k-means (optional: needs scvi-tools)."""

from __future__ import annotations

import time

import numpy as np

from scdmac_lib.method.devices import resolve_device
from scdmac_lib.runs.classical import same_preprocessing
from scdmac_lib.runs.output import MethodOutput


def scvi_kmeans(x, n_clusters: int, *, seed: int = 0, device: str = "auto", max_epochs: int | None = None,
                overrides: dict | None = None, **_) -> MethodOutput:
    """scVI (Lopez et al., 2018) on the HVG counts with its default training, then k-means on the latent."""
    try:
        import scvi
    except ImportError as err:
        msg = "scVI needs scvi-tools: pip install -e '.[baselines]'."
        raise ImportError(msg) from err
    import anndata as ad
    from sklearn.cluster import KMeans

    t0 = time.perf_counter()
    prep = same_preprocessing(x, n_clusters, seed, overrides)
    adata = ad.AnnData(prep.counts.copy())
    scvi.settings.seed = seed
    scvi.model.SCVI.setup_anndata(adata)
    model = scvi.model.SCVI(adata)
    accelerator = "gpu" if resolve_device(device).type == "cuda" else "cpu"
    model.train(max_epochs=max_epochs, accelerator=accelerator, enable_progress_bar=False)
    z = model.get_latent_representation().astype(np.float32)
    labels = KMeans(n_clusters, n_init=20, random_state=seed).fit_predict(z)
    history = {"train": {k: v.to_numpy().ravel().tolist() for k, v in model.history.items()
                         if k in ("elbo_train", "train_loss_epoch")}}
    return MethodOutput(labels, z, {"total": time.perf_counter() - t0}, history,
                        config={"max_epochs": max_epochs})
