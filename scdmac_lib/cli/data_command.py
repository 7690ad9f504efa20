"""``scdmac data list|fetch|verify``: the manifest's datasets on this machine."""

from __future__ import annotations

import sys

from scdmac_lib import data


def cmd_data(args) -> int:
    listed = data.list_datasets()
    if args.action == "list":
        columns = ["name", "stands_for", "role", "available", "n_cells", "n_genes", "n_types", "accession"]
        frame = listed[columns].assign(here=[data.present(n) for n in listed["name"]])
        sys.stdout.write(frame.to_string(index=False) + "\n")
        sys.stdout.write("(sources, checksums and notes: data_manifest.csv; here = on this machine)\n")
        return 0
    if args.paper:
        if args.action != "fetch" or args.names:
            msg = "--paper goes with 'scdmac data fetch' and no dataset names."
            raise ValueError(msg)
        status = data.fetch_paper(progress=not args.quiet)
        sys.stdout.write(status.to_string(index=False) + "\n")
        missing = status.loc[status["used"] == "", "dataset"].tolist()
        if missing:
            sys.stderr.write(f"scdmac: failed: no source of {', '.join(missing)} could be fetched "
                             "(see 'problems'); rerun to resume interrupted downloads.\n")
            return 1
        return 0
    own = listed["role"].isin(["stand-in", "extra"]) & listed["available"]
    names = args.names or listed.loc[own, "name"].tolist()
    for name in names:
        files = data.fetch(name, progress=not args.quiet)
        if args.action == "fetch":
            adata = data.load(name)
            check = adata.uns.get("table1_check", {}).get("differences")
            note = f"; differs from Table 1: {check}" if check else ""
            sys.stdout.write(f"{name}: {adata.n_obs} cells x {adata.n_vars} genes "
                             f"({adata.uns['value_kind']}){note}\n")
        else:
            sys.stdout.write(f"{name}: {len(files)} file(s) verified\n")
    return 0


def add_parser(sub) -> None:
    """Register ``scdmac data``."""
    p = sub.add_parser("data", help="list, fetch or verify the manifest's datasets")
    p.add_argument("action", choices=["list", "fetch", "verify"])
    p.add_argument("names", nargs="*", help="datasets (default: the stand-ins and extras)")
    p.add_argument("--paper", action="store_true",
                   help="fetch the paper's six datasets (a fallback source when the first fails), "
                   "resumable, into the cache; report which could not be fetched")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_data)
