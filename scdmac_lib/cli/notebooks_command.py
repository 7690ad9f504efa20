"""``scdmac notebooks list|run|book|all``: execute the notebooks with papermill and build the book."""

from __future__ import annotations

import logging
import sys

from scdmac_lib.book import build, runner
from scdmac_lib.runs.profiles import DEFAULT_PROFILE
from scdmac_lib.runtime.options import parse_value

logger = logging.getLogger(__name__)


def cmd_notebooks(args) -> int:
    logging.getLogger("papermill").setLevel(logging.WARNING)
    logging.getLogger("papermill.translators").setLevel(logging.ERROR)  # "Unable to parse line": comments
    if args.action == "list":
        for name, info in runner.NOTEBOOKS.items():
            sys.stdout.write(f"{name:28s} {info['paper_item']}\n")
    elif args.action == "run":
        names = args.names or None
        params = {key: parse_value(value) for key, value in args.parameter}
        runner.run_all(names, profile=args.profile, device=args.device, threads=args.threads,
                       keep_going=args.keep_going, parameters=params)
    elif args.action == "book":
        build.build_book(strict=not args.no_strict)
    else:  # all: every notebook (keeping going), then the book, then the first failure
        failure = None
        try:
            runner.run_all(profile=args.profile, device=args.device, threads=args.threads, keep_going=True)
        except runner.NotebookError as err:
            failure = err
        build.build_book()
        if failure is not None:
            raise failure
    return 0


def add_parser(sub, threads_option) -> None:
    """Register ``scdmac notebooks``."""
    p = sub.add_parser("notebooks", help="execute the notebooks with papermill and build the Jupyter Book")
    p.add_argument("action", choices=["list", "run", "book", "all"],
                   help="list them; run some (all when no NAME is given); build the book; run all, then build")
    p.add_argument("names", nargs="*", metavar="NAME")
    p.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("KEY", "VALUE"),
                   help="extra papermill parameter (JSON or Python's True/False/None, else text)")
    p.add_argument("--keep-going", action="store_true", help="run the others after a failure")
    p.add_argument("--no-strict", action="store_true", help="book: do not turn warnings into errors")
    p.add_argument("--profile", default=DEFAULT_PROFILE, help=f"smoke, quick or paper (default {DEFAULT_PROFILE})")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or mps (default auto)")
    threads_option(p, what="CPU threads of each notebook")
    p.set_defaults(func=cmd_notebooks)
