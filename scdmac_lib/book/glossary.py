"""The book's glossary: the words a newcomer meets undefined, and links to where they are defined.

``book/glossary.md`` defines every term of :data:`TERMS` under a heading labelled ``(term-SLUG)=``
(:func:`label`). A page links a term's first use:

- in prose (``book/*.md``) and in a notebook's markdown cells, as ``[text](#term-SLUG)``
  (:func:`anchor`): MyST resolves the label across the book, and the strict build fails on a label
  that does not exist;
- in generated text (a code cell's Markdown output, which MyST does not resolve), with
  :func:`term`, which writes the built page's relative address, ``../glossary.html#term-SLUG``
  (``tools/check_book.py`` checks that it leads to that id), or :func:`link_first`, which links the
  first use of the terms it is given in a Markdown string.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

PAGE = "glossary"  # book/glossary.md

#: The defined terms, in the glossary's order.
TERMS: tuple[str, ...] = ("profile", "stand-in", "extra", "X_z", "Z", "mask AUC", "reading", "arm", "paper rank",
                          "counterfactual")


def _known(name: str) -> str:
    if name not in TERMS:
        msg = f"{name!r} is not a glossary term; the glossary defines {', '.join(TERMS)} (book/glossary.md)."
        raise ValueError(msg)
    return name


def anchor(name: str) -> str:
    """The id of ``name``'s definition on the glossary page: ``term-`` and the term in lower case,
    every run of other characters a hyphen (``"X_z"`` -> ``term-x-z``, ``"mask AUC"`` -> ``term-mask-auc``)."""
    return "term-" + re.sub(r"[^a-z0-9]+", "-", _known(name).lower()).strip("-")


def label(name: str) -> str:
    """The MyST label that heads ``name``'s definition in ``book/glossary.md``: ``(term-SLUG)=``."""
    return f"({anchor(name)})="


def term(name: str, text: str | None = None, *, depth: int = 1) -> str:
    """A Markdown link from generated text to ``name``'s definition, shown as ``text`` (default: the term).

    ``depth`` is how many folders below the book's root the page is built: 1 for the executed
    notebooks (``executed/NAME.html``), 0 for a page at the root.

    Examples
    --------
    >>> term("X_z")
    '[X_z](../glossary.html#term-x-z)'
    >>> term("stand-in", "stand-ins", depth=0)
    '[stand-ins](glossary.html#term-stand-in)'
    """
    return f"[{text or name}]({'../' * depth}{PAGE}.html#{anchor(name)})"


_SKIP = re.compile(r"(`[^`]*`|\[[^\]]*\]\([^)]*\))")  # code spans and links: never linked inside


def link_first(markdown: str, names: Sequence[str], *, depth: int = 1) -> str:
    """``markdown`` with the first use of each term of ``names`` linked (:func:`term`), as a whole word and
    with its case, outside code spans and existing links; a term it does not use is left out.

    Examples
    --------
    >>> link_first("Pollen (stand-in): `X_z` and X_z.", ["stand-in", "X_z"])
    'Pollen ([stand-in](../glossary.html#term-stand-in)): `X_z` and [X_z](../glossary.html#term-x-z).'
    """
    for name in names:
        pattern = re.compile(rf"(?<![\w-]){re.escape(_known(name))}(?![\w-])")
        pieces = _SKIP.split(markdown)
        for i in range(0, len(pieces), 2):  # the even pieces are plain text
            linked, found = pattern.subn(lambda m: term(name, m.group(0), depth=depth), pieces[i], count=1)
            if found:
                pieces[i] = linked
                break
        markdown = "".join(pieces)
    return markdown
