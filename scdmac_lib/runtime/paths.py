"""Where things live: every path the project uses is built here from this file's location.

Environment variables (read, never set, by the library):

``SCDMAC_RESULTS``
    Results folder (run cache, tables, figures). Default: ``<repo>/results``.
``SCDMAC_CACHE``
    Cache for downloaded raw files and converted datasets. Default: ``<repo>/.cache``.
``SCDMAC_MIRROR``
    A folder holding raw source files byte for byte (a local mirror of the manifest's URLs).
    Default: ``<repo>/../shared/raw`` when that folder exists, else none.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # scdmac_lib/
REPO_ROOT = PACKAGE_DIR.parent


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name, "").strip()
    return Path(value).expanduser().resolve() if value else None


def results_dir() -> Path:
    """Folder holding the run cache and every table and figure."""
    return _env_path("SCDMAC_RESULTS") or REPO_ROOT / "results"


def cache_dir() -> Path:
    """Folder for downloaded raw files and converted datasets."""
    return _env_path("SCDMAC_CACHE") or REPO_ROOT / ".cache"


def mirror_dir() -> Path | None:
    """Local mirror of raw source files, or ``None`` when there is none."""
    explicit = _env_path("SCDMAC_MIRROR")
    if explicit is not None:
        return explicit
    sibling = REPO_ROOT.parent / "shared" / "raw"
    return sibling if sibling.is_dir() else None


def shared_dir() -> Path | None:
    """The ``shared/`` folder beside the checkout (paper tables, reference data), if present."""
    mirror = mirror_dir()
    candidates = [REPO_ROOT.parent / "shared"]
    if mirror is not None:
        candidates.insert(0, mirror.parent)
    for candidate in candidates:
        if (candidate / "paper").is_dir():
            return candidate
    return None


def manifest_path() -> Path:
    """The dataset manifest shipped with the repository."""
    return REPO_ROOT / "data_manifest.csv"


def display_path(path: Path) -> str:
    """``path`` as shown on a page: relative to the repository or the results folder, never absolute."""
    path = Path(path).resolve()
    for base, prefix in ((REPO_ROOT, ""), (results_dir().resolve(), "$SCDMAC_RESULTS/")):
        try:
            return prefix + path.relative_to(base).as_posix()
        except ValueError:
            continue
    return path.name
