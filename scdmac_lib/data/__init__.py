"""The data layer: the manifest, raw sources and checksums, readers by format, the converted-dataset
cache, the simulator, and the catalogue that says what kind of data every name is.

The names below are the public API (``from scdmac_lib import data; data.load("zeisel")``); the
library itself imports from the defining modules.
"""

from scdmac_lib.data.canonical import read_h5ad, validate
from scdmac_lib.data.catalogue import describe, kind, label, load_dataset, n_types
from scdmac_lib.data.convert import load, table1_check
from scdmac_lib.data.manifest import list_datasets
from scdmac_lib.data.paper import fetch_paper, prefer_paper_data, source_table
from scdmac_lib.data.retrieve import fetch, present

__all__ = ["describe", "fetch", "fetch_paper", "kind", "label", "list_datasets", "load", "load_dataset", "n_types",
           "prefer_paper_data", "present", "read_h5ad", "source_table", "table1_check", "validate"]
