"""A reader of R's serialization format (``.rds`` and ``.rda`` files) into a plain object tree.

Why not ``rdata``: ``rdata`` 1.1.0 fails (``ValueError: 1026 is not a valid RObjectType``) on the
byte-compiled methods that a ``SingleCellExperiment`` saved before 2019 carries inside its
reference-class assay container (``ShallowSimpleListAssays``), which is how the 2017 objects of
the Hemberg course were saved. This module reads the whole XDR format (R's default), including
byte code, which it skips. It only builds the tree: :mod:`scdmac_lib.data.robjects` interprets the
Bioconductor classes.

Format (R Internals, "Serialization formats"): an optional ``RDX2``/``RDX3`` header for ``.rda``
files, a format line (``X`` = XDR, big-endian), three version integers (plus the native encoding
in version 3), then one item: an integer of flags (type in the low 8 bits, "is object", "has
attributes" and "has tag" bits, and the "levels" above bit 12) followed by the type's payload.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

# Type codes of R's serialize.c.
NIL, SYM, LIST, CLO, ENV, PROM, LANG, SPECIAL, BUILTIN, CHAR = 0, 1, 2, 3, 4, 5, 6, 7, 8, 9


LGL, INT, REAL, CPLX, STR, DOT, VEC, EXPR, BCODE, EXTPTR, WEAKREF, RAW, S4 = (
    10, 13, 14, 15, 16, 17, 19, 20, 21, 22, 23, 24, 25)


ALTREP, ATTRLIST, ATTRLANG, BASEENV, EMPTYENV, BCREPREF, BCREPDEF = 238, 239, 240, 241, 242, 243, 244


PERSIST, PACKAGE, NAMESPACE, BASENAMESPACE, MISSINGARG, UNBOUNDVALUE, GLOBALENV, NILVALUE, REF = (
    247, 248, 249, 250, 251, 252, 253, 254, 255)


_PAIRS = {LIST, LANG, CLO, PROM, DOT}


_SINGLETONS = {NILVALUE: NIL, EMPTYENV: ENV, BASEENV: ENV, GLOBALENV: ENV, UNBOUNDVALUE: SYM,
               MISSINGARG: SYM, BASENAMESPACE: ENV}


_NA_INT = -(2**31)


@dataclass(eq=False)
class RObject:
    """One R object: its type code, value and attributes.

    ``value`` is ``None`` (NULL, S4 objects, skipped byte code), a ``str`` (symbols, strings), a
    numpy array (logical, integer, double, complex, raw vectors; integer NA is masked), a list of
    objects (character vectors, lists), a dict of bindings (environments) or a ``(car, cdr)``
    pair (pairlists). ``attributes`` maps attribute names (S4 slots included) to objects.
    """

    type: int
    value: Any = None
    attributes: dict[str, RObject] = field(default_factory=dict)
    tag: RObject | None = None


class RFormatError(ValueError):
    """The bytes are not an R serialization this reader understands."""

def _decompress(raw: bytes, name: str) -> bytes:
    for magic, opener in ((b"\x1f\x8b", gzip.decompress), (b"BZh", bz2.decompress),
                          (b"\xfd7zXZ\x00", lzma.decompress)):
        if raw.startswith(magic):
            try:
                return opener(raw)
            except (OSError, EOFError, lzma.LZMAError, ValueError) as err:
                msg = (f"{name} is damaged or truncated ({type(err).__name__}: {err}): "
                       "delete it and fetch it again.")
                raise RFormatError(msg) from None
    return raw


class _Reader:
    def __init__(self, data: bytes, name: str) -> None:
        self.data, self.pos, self.name, self.refs = memoryview(data), 0, name, []

    def take(self, n: int) -> memoryview:
        if self.pos + n > len(self.data):
            msg = f"{self.name} ends in the middle of an R object: the file is truncated."
            raise RFormatError(msg)
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def int(self) -> int:
        return int.from_bytes(self.take(4), "big", signed=True)

    def length(self) -> int:
        n = self.int()
        return (self.int() << 32) + self.int() if n == -1 else n

    def array(self, dtype: str, n: int) -> np.ndarray:
        return np.frombuffer(self.take(n * np.dtype(dtype).itemsize), dtype=dtype).copy()

    def string(self, levels: int) -> str | None:
        n = self.int()
        if n == -1:
            return None  # NA_character_
        raw = bytes(self.take(n))
        latin1 = levels & 4 and not levels & 8
        return raw.decode("latin-1" if latin1 else "utf-8", errors="replace")

    def string_vector(self) -> list[RObject]:
        if self.int() != 0:
            msg = f"{self.name}: unexpected layout of a persistent string vector."
            raise RFormatError(msg)
        return [self.item() for _ in range(self.int())]

    def item(self) -> RObject:  # noqa: C901, PLR0911, PLR0912 - one branch per type code
        flags = self.int()
        kind, levels = flags & 0xFF, flags >> 12
        has_attr, has_tag = bool(flags & (1 << 9)), bool(flags & (1 << 10))
        if kind in _SINGLETONS:
            return RObject(_SINGLETONS[kind])
        if kind == REF:
            index = flags >> 8 or self.int()
            return self.refs[index - 1]
        if kind in (PERSIST, PACKAGE, NAMESPACE):
            obj = RObject(ENV, {"name": self.string_vector()})
            self.refs.append(obj)
            return obj
        if kind == SYM:
            obj = RObject(SYM)
            obj.value = self.item().value
            self.refs.append(obj)
            return obj
        if kind == ENV:
            obj = RObject(ENV, {})
            self.refs.append(obj)
            self.int()  # locked
            self.item()  # enclosing environment
            frame, table = self.item(), self.item()
            obj.attributes = _pairlist(self.item())
            obj.value.update(_pairlist(frame))
            for bucket in table.value or []:
                obj.value.update(_pairlist(bucket))
            return obj
        if kind in _PAIRS:
            obj = RObject(kind)
            if has_attr:
                obj.attributes = _pairlist(self.item())
            if has_tag:
                obj.tag = self.item()
            obj.value = (self.item(), self.item())
            return obj
        if kind == ALTREP:
            return _altrep(self.item(), self.item(), self.item(), self.name)
        obj = RObject(kind)
        if kind in (SPECIAL, BUILTIN):
            obj.value = bytes(self.take(self.int())).decode()
        elif kind == CHAR:
            return RObject(CHAR, self.string(levels))
        elif kind in (LGL, INT):
            obj.value = np.ma.masked_equal(self.array(">i4", self.length()).astype(np.int64), _NA_INT)
        elif kind == REAL:
            obj.value = self.array(">f8", self.length()).astype(np.float64)
        elif kind == CPLX:
            pairs = self.array(">f8", 2 * self.length())
            obj.value = pairs[0::2] + 1j * pairs[1::2]
        elif kind == RAW:
            obj.value = np.frombuffer(bytes(self.take(self.length())), dtype=np.uint8)
        elif kind in (STR, VEC, EXPR):
            obj.value = [self.item() for _ in range(self.length())]
        elif kind == BCODE:
            self.bytecode([None] * self.int())
        elif kind == EXTPTR:
            self.refs.append(obj)
            self.item()
            self.item()
        elif kind == WEAKREF:
            self.refs.append(obj)
        elif kind != S4:
            msg = f"{self.name}: R object type {kind} is not supported (damaged file?)."
            raise RFormatError(msg)
        if has_attr:
            obj.attributes = _pairlist(self.item())
        return obj

    def bytecode(self, reps: list) -> None:
        """Skip one byte-code object (R's ReadBC1): its code vector and its constants."""
        self.item()
        for _ in range(self.int()):
            kind = self.int()
            if kind == BCODE:
                self.bytecode(reps)
            elif kind in (LANG, LIST, BCREPDEF, BCREPREF, ATTRLANG, ATTRLIST):
                self.bytecode_lang(kind, reps)
            else:
                self.item()

    def bytecode_lang(self, kind: int, reps: list) -> None:
        """Skip one language object inside byte code (R's ReadBCLang)."""
        if kind == BCREPREF:
            self.int()
            return
        if kind not in (LANG, LIST, BCREPDEF, ATTRLANG, ATTRLIST):
            self.item()  # an ordinary item, with its own flags
            return
        if kind == BCREPDEF:
            self.int()
            kind = self.int()
        if kind in (ATTRLANG, ATTRLIST):
            self.item()
        self.item()  # tag
        self.bytecode_lang(self.int(), reps)
        self.bytecode_lang(self.int(), reps)


def _pairlist(obj: RObject) -> dict[str, RObject]:
    """A tagged pairlist (attributes, environment frames) as a dict."""
    out = {}
    while obj.type in _PAIRS and obj.value is not None:
        car, cdr = obj.value
        if obj.tag is not None and obj.tag.type == SYM:
            out[obj.tag.value] = car
        obj = cdr
    return out


def _altrep(info: RObject, state: RObject, attributes: RObject, name: str) -> RObject:
    """Expand the ALTREP classes R writes for plain vectors (compact sequences, wrappers)."""
    class_name = info.value[0].value if info.type == LIST else None
    if class_name in ("compact_intseq", "compact_realseq"):
        n, start, step = (float(v) for v in state.value)
        values = start + step * np.arange(int(n))
        kind = INT if class_name == "compact_intseq" else REAL
        obj = RObject(kind, np.ma.masked_array(values.astype(np.int64)) if kind == INT else values)
    elif class_name == "deferred_string":
        numbers = state.value[0]
        obj = RObject(STR, [RObject(CHAR, _format_number(v)) for v in np.ma.filled(numbers.value, 0)])
    elif class_name and class_name.startswith("wrap_"):
        obj = state.value[0]
    else:
        msg = f"{name}: R alternative representation {class_name!r} is not supported."
        raise RFormatError(msg)
    obj.attributes = _pairlist(attributes)
    return obj


def _format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def read(path: str | Path) -> RObject | dict[str, RObject]:
    """Read an ``.rds`` file (one object) or an ``.rda``/``.RData`` file (a dict of named objects).

    Parameters
    ----------
    path
        The file, compressed with gzip, bzip2 or xz, or uncompressed.

    Raises
    ------
    RFormatError
        Not an R file in XDR format (for example an HTML page saved under the file's name), or a
        truncated or damaged one.
    """
    path = Path(path)
    data = _decompress(path.read_bytes(), path.name)
    is_rda = data[:5] in (b"RDX2\n", b"RDX3\n")
    if is_rda:
        data = data[5:]
    if data[:2] != b"X\n":
        start = bytes(data[:40]).decode("latin-1", errors="replace").strip()
        hint = (" It looks like an HTML page (an error page saved in the file's place?)."
                if start.lower().startswith(("<!doctype", "<html", "<?xml")) else "")
        msg = (f"{path.name} is not an R data file in XDR format (it starts with {start[:20]!r}).{hint} "
               "Delete it and fetch it again.")
        raise RFormatError(msg)
    reader = _Reader(bytes(data[2:]), path.name)
    version = reader.int()
    reader.int()
    reader.int()
    if version == 3:
        reader.take(reader.int())  # native encoding
    elif version != 2:
        msg = f"{path.name}: R serialization version {version} is not supported."
        raise RFormatError(msg)
    obj = reader.item()
    if reader.pos != len(reader.data):
        msg = f"{path.name}: {len(reader.data) - reader.pos} bytes follow the R object (damaged file?)."
        raise RFormatError(msg)
    return _pairlist(obj) if is_rda else obj
