"""Plot style shared by every figure: one place for the palette and the matplotlib settings."""

from __future__ import annotations

METHOD_COLORS = {
    "scDMAC": "#c0392b",
    "scDMAC-Z": "#e67e22",
    "scDMAC-W": "#f1c40f",
    "scDMAC-P": "#d35400",
    "PCA + k-means": "#7f8c8d",
    "Leiden (Seurat-style)": "#2980b9",
    "scDeepCluster-style": "#27ae60",
    "scziDesk-style": "#8e44ad",
    "scVI + k-means": "#16a085",
    "reported": "#34495e",
}


def set_style() -> None:
    """Seaborn's white grid with readable fonts, used by every notebook."""
    import matplotlib as mpl
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    mpl.rcParams.update({"figure.dpi": 110, "savefig.dpi": 150, "savefig.bbox": "tight"})
