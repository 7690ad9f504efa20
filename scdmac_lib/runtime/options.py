"""``KEY=VALUE`` options of the command line and of notebook parameters: one reading of a value.

A value is JSON when it parses as JSON (``3``, ``0.5``, ``true``, ``null``, ``[1, 2]``,
``"text"``); Python's spellings ``True``, ``False`` and ``None`` mean the same as ``true``,
``false`` and ``null``; anything else is plain text.

Examples
--------
>>> parse_value("0.2"), parse_value("true"), parse_value("True"), parse_value("None"), parse_value("seurat")
(0.2, True, True, None, 'seurat')
"""

from __future__ import annotations

import json
from typing import Any

_PYTHON_WORDS = {"True": True, "False": False, "None": None}


def parse_value(text: str) -> Any:
    """One option value (module docstring)."""
    text = text.strip()
    if text in _PYTHON_WORDS:
        return _PYTHON_WORDS[text]
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_assignments(pairs: list[str], *, option: str = "--set") -> dict[str, Any]:
    """``["KEY=VALUE", ...]`` as a dict, each value read by :func:`parse_value`."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            msg = f"{option} takes KEY=VALUE, got {pair!r}."
            raise ValueError(msg)
        out[key.strip()] = parse_value(value)
    return out
