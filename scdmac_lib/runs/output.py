"""What every method of the benchmark returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class MethodOutput:
    """What every method returns: labels, an embedding, and what it cost."""

    labels: np.ndarray
    embedding: np.ndarray
    timings: dict[str, float] = field(default_factory=dict)
    history: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    diagnostics: dict[str, float] = field(default_factory=dict)
    config: dict = field(default_factory=dict)
    stage_labels: dict[str, np.ndarray] = field(default_factory=dict)  # k-means on each stage (scDMAC)
