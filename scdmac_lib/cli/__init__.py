"""The ``scdmac`` command, on top of every layer.

``scdmac cluster IN.h5ad -k K|auto -o OUT.h5ad`` clusters a file; ``scdmac data list|fetch|verify``
manages the manifest's datasets; ``scdmac run`` computes (or reads) run specs; ``scdmac runs job``
runs one job of the workflow; ``scdmac notebooks list|run|book|all`` executes the notebooks and
builds the book. Errors print one line ``scdmac: error: ...`` and exit with status 2 (bad input) or
1 (failure).
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings

from scdmac_lib.book.build import BookBuildError
from scdmac_lib.book.runner import NotebookError
from scdmac_lib.cli import cluster_command, data_command, notebooks_command, runs_command
from scdmac_lib.method.checks import NotCountsWarning


def _threads_option(parser: argparse.ArgumentParser, what: str = "CPU threads") -> None:
    parser.add_argument("--threads", type=int, default=None, metavar="N",
                        help=f"{what} (default: $SCDMAC_THREADS, else the cores this process may use; "
                             "never more than those; a config's n_threads wins)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scdmac", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress messages")
    sub = parser.add_subparsers(dest="command", required=True)
    cluster_command.add_parser(sub, _threads_option)
    data_command.add_parser(sub)
    runs_command.add_parsers(sub, _threads_option)
    notebooks_command.add_parser(sub, _threads_option)
    return parser


def _message(err: BaseException) -> str:
    # str(KeyError("x")) is "'x'": show the message itself
    return str(err.args[0]) if isinstance(err, KeyError) and err.args else str(err)


_SHOWN: set[str] = set()


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ARG001
    """One line per distinct warning (the input is checked by the command and again by the stages)."""
    name = "" if issubclass(category, NotCountsWarning) else f"{category.__name__}: "
    text = f"scdmac: warning: {name}{message}"
    if text not in _SHOWN:
        _SHOWN.add(text)
        sys.stderr.write(text + "\n")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``scdmac`` command; returns the exit status.

    Exit status 0 on success, 2 for bad input (``scdmac: error: ...``), 1 for a failure while running
    (``scdmac: failed: ...``, for example a non-finite training loss or a notebook that failed), 130
    when interrupted. Warnings are printed as ``scdmac: warning: ...`` on standard error.
    """
    args = build_parser().parse_args(argv)
    level = logging.INFO if args.verbose or args.command in ("notebooks", "runs") else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    with warnings.catch_warnings():
        warnings.simplefilter("always", NotCountsWarning)
        _SHOWN.clear()
        warnings.showwarning = _show_warning
        try:
            return args.func(args)
        except (ValueError, TypeError, FileNotFoundError, KeyError) as err:
            sys.stderr.write(f"scdmac: error: {_message(err)}\n")
            return 2
        except (NotebookError, BookBuildError) as err:
            lines = str(err).splitlines()
            sys.stderr.write(f"scdmac: failed: {lines[0]}\n")
            if lines[1:]:
                logging.getLogger(__name__).error("%s", "\n".join(lines[1:]))
            return 1
        except (FloatingPointError, MemoryError, RuntimeError, ImportError, OSError) as err:
            sys.stderr.write(f"scdmac: failed: {err}\n")
            return 1
        except KeyboardInterrupt:
            sys.stderr.write("scdmac: interrupted: no partial result was kept; rerun to redo the missing work.\n")
            return 130
