"""The glossary: every term defined under its anchor, and the links to it resolve in the built book."""

from __future__ import annotations

import importlib.util
import re
import shutil

import nbformat
import pytest

from scdmac_lib.book import build, glossary, runner
from scdmac_lib.runtime import paths

GLOSSARY = paths.REPO_ROOT / "book" / "glossary.md"


def test_every_term_is_defined_under_its_label_in_order():
    lines = GLOSSARY.read_text().splitlines()
    labels = [i for i, line in enumerate(lines) if re.fullmatch(r"\(term-[a-z0-9-]+\)=", line)]
    assert [lines[i] for i in labels] == [glossary.label(t) for t in glossary.TERMS]
    for i, name in zip(labels, glossary.TERMS, strict=True):
        assert lines[i + 1].startswith(f"## {name}"), lines[i + 1]
        assert lines[i + 3].strip(), f"{name}: no definition under its heading"


def test_anchors_are_distinct_and_links_name_them():
    assert len({glossary.anchor(t) for t in glossary.TERMS}) == len(glossary.TERMS)
    assert glossary.anchor("mask AUC") == "term-mask-auc"
    assert glossary.term("Z", "embedding") == "[embedding](../glossary.html#term-z)"
    with pytest.raises(ValueError, match="not a glossary term.*mask AUC"):
        glossary.term("mask auc")


def test_every_term_link_in_the_sources_names_a_defined_term():
    anchors = {glossary.anchor(t) for t in glossary.TERMS}
    sources = [*(paths.REPO_ROOT / "book").glob("*.md"), *(paths.REPO_ROOT / "notebooks").glob("*.py")]
    used = {(s.name, a) for s in sources for a in re.findall(r"#(term-[a-z0-9-]+)\)", s.read_text())}
    assert {(name, a) for name, a in used if a not in anchors} == set()


@pytest.mark.slow
def test_links_from_generated_text_lead_to_the_definitions(tmp_path):
    """A page built under executed/ whose output links every term: each link leads to its entry."""
    book = tmp_path / "book"
    shutil.copytree(runner.book_dir(), book, ignore=shutil.ignore_patterns("executed", "_toc*"))
    (book / "executed").mkdir()
    text = "Terms: " + ", ".join(glossary.term(t) for t in glossary.TERMS) + "."
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}, "language_info": {"name": "python"}})
    nb.cells = [nbformat.v4.new_markdown_cell("# Linked terms\n\nA page that links every glossary term."),
                nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["remove-input"]}, outputs=[
                    nbformat.v4.new_output("display_data", data={"text/markdown": text, "text/plain": text})])]
    nbformat.write(nb, book / "executed" / "00_data.ipynb")
    build.build_book(book=book, output_dir=tmp_path)
    spec = importlib.util.spec_from_file_location("check_book", paths.REPO_ROOT / "tools" / "check_book.py")
    check_book = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check_book)
    page = tmp_path / "_build" / "html" / "executed" / "00_data.html"
    soup = check_book.BeautifulSoup(page.read_text(), "html.parser")
    hrefs = [a["href"] for a in soup.select("article a[href*='glossary.html#']")]
    assert hrefs == [f"../glossary.html#{glossary.anchor(t)}" for t in glossary.TERMS]
    assert check_book.link_problems(page, soup) == []


def test_link_first_links_one_use_outside_code_and_links():
    text = "A stand-in, `stand-in` and [stand-in](x.html); stand-ins and another stand-in."
    assert glossary.link_first("`X_z` then [X_z](a.html) then X_z, X_z.", ["X_z"], depth=0) == \
        "`X_z` then [X_z](a.html) then [X_z](glossary.html#term-x-z), X_z."
    linked = glossary.link_first(text, ["stand-in", "extra"])
    assert linked.count("glossary.html") == 1
    assert linked.startswith("A [stand-in](../glossary.html#term-stand-in), `stand-in`")
    assert glossary.link_first("Zeisel and Z.", ["Z"]) == "Zeisel and [Z](../glossary.html#term-z)."
