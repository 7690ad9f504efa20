"""The papermill runner: execute the jupytext notebooks into ``book/executed/``.

Every ``notebooks/NAME.py`` (jupytext percent format) is a notebook; :data:`NOTEBOOKS` lists them
in file-name order, with the paper item each regenerates (the title of its first markdown cell),
its one-paragraph description and the defaults of its ``parameters`` cell. A notebook runs as

1. ``jupytext`` converts ``notebooks/NAME.py`` to ``_build/nb_src/NAME.ipynb`` (``metadata.jupytext``
   dropped);
2. ``papermill`` executes it with the kernel ``python3``, cwd = the repository root, parameters
   ``profile`` and ``device`` (plus any given, and ``n_threads`` when a thread count is given),
   into a temporary file in ``book/executed/``;
3. on success the file becomes ``book/executed/NAME.ipynb``; on failure it becomes
   ``book/executed/NAME.failed.ipynb``, any stale ``NAME.ipynb`` is removed (so the book never shows
   an outdated page as current) and :class:`NotebookError` names the notebook, cell and exception.

The book is built from the executed notebooks by :mod:`scdmac_lib.book.build`.

Threads: a notebook's ``n_threads`` parameter (default ``None``) is the CPU thread count of its
kernel and of the runs it computes; ``None`` takes what the kernel was given (``$SCDMAC_THREADS``,
else the cores it may use, which the kernel inherits from the runner). ``threads=N`` (``--threads
N``) passes ``n_threads=N`` to every notebook that has the parameter.

Command line (:mod:`scdmac_lib.cli`)::

    scdmac notebooks list
    scdmac notebooks run [NAME ...] --profile P [--device D] [--threads N] [-p KEY VALUE ...]
    scdmac notebooks book [--no-strict]
    scdmac notebooks all --profile P
"""

from __future__ import annotations

import ast
import logging
import os
import time
from pathlib import Path
from typing import Any

from scdmac_lib.runs.profiles import DEFAULT_PROFILE, get_profile
from scdmac_lib.runtime import paths
from scdmac_lib.runtime.threads import resolve_threads

KERNEL_NAME = "python3"


logger = logging.getLogger(__name__)


class NotebookError(RuntimeError):
    """A notebook failed to execute (the message names the notebook, the cell and the exception)."""

def notebooks_dir() -> Path:
    """Folder of the jupytext notebook sources."""
    return paths.REPO_ROOT / "notebooks"


def book_dir() -> Path:
    """The Jupyter Book's source folder."""
    return paths.REPO_ROOT / "book"


def executed_dir() -> Path:
    """Where executed notebooks go (the book lists them from here)."""
    return book_dir() / "executed"


def build_dir() -> Path:
    """Scratch folder for converted notebooks and the book's HTML (``_build/``)."""
    return paths.REPO_ROOT / "_build"


def repo_relative(path: Path) -> str:
    """``path`` relative to the repository root when inside it, else its file name."""
    try:
        return Path(path).resolve().relative_to(paths.REPO_ROOT).as_posix()
    except ValueError:
        return Path(path).name


def _literal_defaults(source: str) -> dict[str, Any]:
    """Defaults of simple ``name = literal`` assignments in a parameters cell."""
    out: dict[str, Any] = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                continue
            if isinstance(target, ast.Name):
                out[target.id] = value
            elif isinstance(target, ast.Tuple) and isinstance(value, tuple):
                for element, item in zip(target.elts, value, strict=False):
                    if isinstance(element, ast.Name):
                        out[element.id] = item
    return out


def _describe(path: Path) -> dict[str, Any]:
    """Title (= paper item), description and parameter defaults of one notebook source."""
    import jupytext

    nb = jupytext.read(path, fmt="py:percent")
    title, description = path.stem, ""
    parameters: dict[str, Any] = {}
    for cell in nb.cells:
        if cell.cell_type == "markdown" and title == path.stem:
            lines = [line.strip() for line in cell.source.splitlines()]
            heads = [line for line in lines if line.startswith("#")]
            if heads:
                title = heads[0].lstrip("#").strip()
            body = "\n".join(line for line in lines if not line.startswith("#"))
            description = " ".join(body.strip().split("\n\n")[0].split())
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            parameters = _literal_defaults(cell.source)
            break
    return {
        "path": path,
        "paper_item": title,
        "description": description,
        "parameters": parameters,
    }


def discover(source_dir: Path | None = None) -> dict[str, dict[str, Any]]:
    """The notebooks of ``source_dir`` (default ``notebooks/``): ``{name: info}`` in file-name order.

    ``info`` holds ``path``, ``paper_item`` (the first markdown heading), ``description`` (the
    paragraph below it) and ``parameters`` (literal defaults of the ``parameters`` cell).
    """
    folder = Path(source_dir) if source_dir is not None else notebooks_dir()
    return {path.stem: _describe(path) for path in sorted(folder.glob("*.py")) if not path.name.startswith(("_", "."))}


NOTEBOOKS: dict[str, dict[str, Any]] = discover()


def _coerce_names(names, registry: dict[str, dict[str, Any]]) -> list[str]:
    if names is None:
        return list(registry)
    if isinstance(names, str):
        names = [names]
    unknown = [n for n in names if n not in registry]
    if unknown:
        msg = f"unknown notebook(s) {unknown}; choose from {list(registry)}."
        raise ValueError(msg)
    return list(names)


def _relative_papermill_paths(nb, src: Path, out: Path) -> None:
    meta = nb.metadata.get("papermill")
    if meta is not None:
        meta["input_path"] = repo_relative(src)
        meta["output_path"] = repo_relative(out)


def remove_injected_parameters(nb) -> None:
    """Tag papermill's injected-parameters cell ``remove-cell``: the page's header line states the values."""
    for cell in nb.cells:
        tags = cell.metadata.setdefault("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            tags.append("remove-cell")


#: Tags that keep a code cell's input off the page by default (one click away, or removed).
HIDDEN_INPUT_TAGS = frozenset({"hide-input", "hide-cell", "remove-input", "remove-cell"})

#: The setup :func:`scdmac_lib.book.page.open_page` does; a page that calls one of these repeats it.
SETUP_CALLS = ("show_header(", "set_style(", "set_threads(")


def presentation_problems(path: Path) -> list[str]:
    """How the notebook source at ``path`` breaks the page conventions of ``notebooks/README.md``.

    Checked: the first cell is markdown with a ``#`` title; the first code cell is the only one
    tagged ``parameters``; every code cell's input is hidden (a tag of :data:`HIDDEN_INPUT_TAGS`);
    the page opens with :func:`~scdmac_lib.book.page.open_page` (style, threads, profile, runs and the
    provenance line) and does not repeat its setup (:data:`SETUP_CALLS`); figures are shown with a
    caption (``page.show_figure``, never a bare ``plt.show()``).
    """
    import jupytext

    nb = jupytext.read(path, fmt="py:percent")
    problems = []
    first = nb.cells[0] if nb.cells else None
    if first is None or first.cell_type != "markdown" or not first.source.lstrip().startswith("# "):
        problems.append("the first cell must be markdown starting with a '# ' title")
    code = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [i for i, c in enumerate(code) if "parameters" in c.metadata.get("tags", [])]
    if tagged != [0]:
        problems.append(f"exactly the first code cell must be tagged 'parameters' (tagged: code cells {tagged})")
    for i, cell in enumerate(code):
        if not HIDDEN_INPUT_TAGS & set(cell.metadata.get("tags", [])):
            first_line = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
            problems.append(f"code cell {i} ({first_line[:60]!r}) shows its input: tag it hide-input")
    source = "\n".join(c.source for c in code)
    if "open_page(" not in source:
        problems.append("no provenance line: open the page with pg = page.open_page(NAME, profile, device, ...) "
                        "after the imports")
    problems += [f"{call}...) repeats what open_page does (its Page has the profile, runs and threads)"
                 for call in SETUP_CALLS if call in source]
    if "plt.show()" in source:
        problems.append("plt.show() shows a figure without a caption: use page.show_figure(fig, name, caption)")
    return problems


def _cell_of(err: Exception, nb=None) -> str:
    """``cell In [N] (cell index I: first line of its code)`` for a papermill error."""
    count = getattr(err, "exec_count", None)
    index = getattr(err, "cell_index", None)
    if count is None and index is None:
        return "an unknown cell"
    first = ""
    # papermill inserts an error banner at the top, so find the cell by its execution count
    cells = [c for c in (nb.cells if nb is not None else []) if c.get("execution_count") == count]
    if count is not None and len(cells) == 1:
        lines = [line.strip() for line in cells[0].source.splitlines() if line.strip()]
        first = f": {lines[0][:80]}" if lines else ""
    return f"cell In [{count}] (cell index {index}{first})"


def run_notebook(
    name: str,
    *,
    profile: str = DEFAULT_PROFILE,
    parameters: dict[str, Any] | None = None,
    device: str = "auto",
    threads: int | None = None,
    source_dir: Path | None = None,
    executed_dir: Path | None = None,
) -> Path:
    """Execute one notebook with papermill and return the executed ``.ipynb``.

    Parameters
    ----------
    name
        Notebook name (file stem in ``source_dir``), e.g. ``"05_model_diagrams"``.
    profile
        Profile name passed to the notebook (``smoke``, ``quick``, ``paper``).
    parameters
        Further papermill parameters; each must be a variable of the notebook's parameters cell.
    device
        ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"mps"``, passed through to the notebook.
    threads
        CPU threads, passed as ``n_threads`` to a notebook that has that parameter (unless
        ``parameters`` sets it); ``None``: the kernel takes what it was given (module docstring).
    source_dir, executed_dir
        Override ``notebooks/`` and ``book/executed/`` (for tests).

    Raises
    ------
    NotebookError
        When a cell raises; ``NAME.failed.ipynb`` is left beside where ``NAME.ipynb`` would be.
    """
    import jupytext
    import nbformat
    import papermill

    get_profile(profile)  # fails early on an unknown profile
    registry = NOTEBOOKS if source_dir is None else discover(source_dir)
    _coerce_names([name], registry)
    info = registry[name]
    params = dict(parameters or {})
    unknown = sorted(set(params) - set(info["parameters"]) - {"profile", "device"})
    if unknown:
        msg = (f"notebook {name!r} has no parameter(s) {unknown}; its parameters are "
               f"{sorted(info['parameters'])}.")
        raise ValueError(msg)
    params.update(profile=profile, device=device)
    if threads is not None and "n_threads" in info["parameters"]:
        params.setdefault("n_threads", resolve_threads(threads))

    out_dir = Path(executed_dir) if executed_dir is not None else book_dir() / "executed"
    out_dir.mkdir(parents=True, exist_ok=True)
    src_dir = build_dir() / "nb_src" if executed_dir is None else out_dir.parent / "nb_src"
    src_dir.mkdir(parents=True, exist_ok=True)
    src_ipynb = src_dir / f"{name}.ipynb"
    nb = jupytext.read(info["path"], fmt="py:percent")
    nb.metadata.pop("jupytext", None)
    nb.metadata.setdefault("kernelspec", {"display_name": "Python 3", "language": "python", "name": KERNEL_NAME})
    jupytext.write(nb, src_ipynb, fmt="ipynb")

    final = out_dir / f"{name}.ipynb"
    failed = out_dir / f"{name}.failed.ipynb"
    tmp = out_dir / f".{name}.running-{os.getpid()}.ipynb"  # plain name: mkstemp would make it 0600
    logger.info("running %s (profile %s, device %s)", name, profile, device)
    start = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(src_ipynb), str(tmp), parameters=params, kernel_name=KERNEL_NAME,
            cwd=str(paths.REPO_ROOT), progress_bar=False, log_output=False,
        )
    except Exception as err:
        final.unlink(missing_ok=True)
        executed = None
        if tmp.exists():
            executed = nbformat.read(tmp, as_version=4)
            _relative_papermill_paths(executed, src_ipynb, failed)
            remove_injected_parameters(executed)
            nbformat.write(executed, tmp)
            os.replace(tmp, failed)
        ename = getattr(err, "ename", type(err).__name__)
        evalue = getattr(err, "evalue", str(err))
        evalue = " ".join(str(evalue).split())[:500]
        msg = (f"notebook {name} failed at {_cell_of(err, executed)}: {ename}: {evalue} "
               f"(executed copy: {repo_relative(failed)})")
        raise NotebookError(msg) from err
    executed = nbformat.read(tmp, as_version=4)
    _relative_papermill_paths(executed, src_ipynb, final)
    remove_injected_parameters(executed)
    nbformat.write(executed, tmp)
    os.replace(tmp, final)
    failed.unlink(missing_ok=True)
    logger.info("%s done in %.1f s -> %s", name, time.perf_counter() - start, repo_relative(final))
    return final


def run_all(
    names=None,
    *,
    profile: str = DEFAULT_PROFILE,
    device: str = "auto",
    threads: int | None = None,
    keep_going: bool = False,
    parameters: dict[str, Any] | None = None,
) -> list[Path]:
    """Run notebooks in registry order (all of them by default); return the executed files.

    With ``keep_going`` a failure does not stop the others; one :class:`NotebookError` listing
    every failed notebook is raised at the end.
    """
    done: list[Path] = []
    failures: list[str] = []
    for name in _coerce_names(names, NOTEBOOKS):
        try:
            done.append(run_notebook(name, profile=profile, device=device, threads=threads, parameters=parameters))
        except NotebookError as err:
            if not keep_going:
                raise
            logger.error("%s", err)
            failures.append(str(err))
    if failures:
        msg = f"{len(failures)} notebook(s) failed: " + "; ".join(failures)
        raise NotebookError(msg)
    return done
