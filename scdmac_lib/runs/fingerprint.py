"""The version of the code a run executes: a fingerprint of its definitions, not of its files.

A stored result is reused only when it was computed by the same code. The code of a method is the
closure of the package's modules its function imports, kept to the modules that decide what a run
computes (:data:`RESULT_CODE`: the method, the evaluation, the baselines and the shared denoising
stage), plus the scoring (:data:`SCORING`). Each top-level definition of those modules is parsed
and normalised: docstrings, comments, formatting and import statements do not count, and neither
does the module a definition lives in, so a pure move or rename of modules leaves the fingerprint
unchanged while any change of what the code does changes it.

Why a fingerprint and not a hand-bumped results version: a version number is only as good as the
memory of whoever changes the code; the fingerprint cannot be forgotten. Its cost is that a change
that alters no result (a renamed local variable) also recomputes the runs it touches.
"""

from __future__ import annotations

import ast
import functools
import hashlib
from collections.abc import Iterable
from pathlib import Path

from scdmac_lib.runs.methods import METHODS
from scdmac_lib.runtime import paths

#: Packages and modules whose code decides what a run computes. Everything else the methods import
#: only moves data around (paths, threads, atomic writes, the dataset files, whose content is
#: checked separately by its digest).
RESULT_CODE = (
    "scdmac_lib.method",
    "scdmac_lib.evaluation",
    "scdmac_lib.runs.output",
    "scdmac_lib.runs.classical",
    "scdmac_lib.runs.zinb_baselines",
    "scdmac_lib.runs.scvi_kmeans",
    "scdmac_lib.runs.scdmac_method",
    "scdmac_lib.runs.stage_cache",
)
#: Modules a run's scores come from (the executor calls them after the method).
SCORING = ("scdmac_lib.evaluation.metrics", "scdmac_lib.evaluation.stages")
#: Modules a method may import that do not decide its results, each with the reason.
NOT_RESULT_CODE = {
    "scdmac_lib.method.config": "settings enter a run's identity as values (its resolved configuration)",
    "scdmac_lib.runtime": "paths, thread counts, atomic writes and provenance: where and how fast, not what",
    "scdmac_lib.data": "the dataset's content is checked by its own digest (dataset_sha256)",
    "scdmac_lib.runs.specs": "how a run is named (its identity), not what it computes",
    "scdmac_lib.runs.fingerprint": "this module",
    "scdmac_lib.runs.methods": "the registry of method names",
}
_VERSION = 1  # bump only if the normalisation below changes


def module_path(module: str, root: Path | None = None) -> Path | None:
    """The source file of ``module`` (a package's ``__init__.py``), or ``None`` outside the package."""
    root = Path(root) if root is not None else paths.PACKAGE_DIR
    parts = module.split(".")
    if parts[0] != root.name:
        return None
    base = root.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_modules(path: Path, root: Path | None = None) -> set[str]:
    """The package's modules that the file at ``path`` imports at run time (not for type hints only)."""
    root = Path(root) if root is not None else paths.PACKAGE_DIR
    out = set()
    for node in ast.walk(_Normalise(keep_imports=True).visit(ast.parse(path.read_text()))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                out.add(full if module_path(full, root) is not None else node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return {m for m in out if module_path(m, root) is not None}


def _in(module: str, prefixes: Iterable[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def is_result_code(module: str) -> bool:
    """Whether ``module``'s code is part of a fingerprint (:data:`RESULT_CODE` less :data:`NOT_RESULT_CODE`)."""
    return _in(module, RESULT_CODE) and not _in(module, NOT_RESULT_CODE)


def closure(entries: Iterable[str], root: Path | None = None) -> set[str]:
    """``entries`` and every module of the result code they reach through run-time imports inside it."""
    seen: set[str] = set()
    todo = [m for m in entries if is_result_code(m)]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo.extend(m for m in imported_modules(module_path(module, root), root) if is_result_code(m) and m not in seen)
    return seen


class _Normalise(ast.NodeTransformer):
    """Drop docstrings, imports and ``if TYPE_CHECKING:`` blocks; everything else is kept as parsed."""

    def __init__(self, *, keep_imports: bool = False):
        self.keep_imports = keep_imports

    def _body(self, body: list[ast.stmt]) -> list[ast.stmt]:
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:]
        return body or [ast.Pass()]

    def generic_visit(self, node):
        node = super().generic_visit(node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
            node.body = self._body(node.body)
        return node

    def visit_Import(self, node):  # noqa: N802 - ast's visitor names
        return node if self.keep_imports else None

    visit_ImportFrom = visit_Import  # noqa: N815

    def visit_If(self, node):  # noqa: N802
        if isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            return None
        return self.generic_visit(node)


def definitions(path: Path) -> list[str]:
    """The normalised top-level definitions of one source file, as ``ast.dump`` strings."""
    tree = _Normalise().visit(ast.parse(path.read_text()))
    return [ast.dump(node, include_attributes=False) for node in tree.body if not isinstance(node, ast.Pass)]


def code_fingerprint(entries: Iterable[str], root: Path | None = None) -> str:
    """16 hex digits of the normalised code of :func:`closure` ``(entries)`` plus the scoring."""
    modules = closure([*entries, *SCORING], root)
    dumps = sorted(d for m in modules for d in definitions(module_path(m, root)))
    digest = hashlib.sha256(f"fingerprint v{_VERSION}\n".encode())
    for d in dumps:
        digest.update(d.encode())
        digest.update(b"\n")
    return digest.hexdigest()[:16]


def entry_modules(method: str) -> tuple[str, ...]:
    """The modules where ``method``'s code starts: its function's, and the shared denoising stage's
    for the scDMAC variants that read one."""
    if method not in METHODS:
        msg = f"unknown method {method!r}; choose one of {sorted(METHODS)}."
        raise ValueError(msg)
    function = METHODS[method]
    entries = (function.__module__,)
    if getattr(function, "reads_denoising_stage", False):
        entries += ("scdmac_lib.runs.stage_cache",)
    return entries


def result_code_paths(root: Path | None = None) -> list[Path]:
    """The source files of every method's result code and the scoring: a change in one of them changes what
    some run computes (and its fingerprint); changes elsewhere do not."""
    entries = [m for method in METHODS for m in entry_modules(method)]
    return sorted(module_path(m, root) for m in closure([*entries, *SCORING], root))


@functools.cache
def method_fingerprint(method: str) -> str:
    """The fingerprint of the code a run of ``method`` executes (see the module docstring)."""
    return code_fingerprint(entry_modules(method))
