"""Check the built book in a real browser: every page renders, offline.

Usage: .venv/bin/python tools/check_book.py [--html _build/html] [--shots _build/screenshots] [PAGE ...]
(PAGE: a page's path under the HTML folder, e.g. executed/05_model_diagrams.html; all pages by default)

For every HTML page of the built book (``_build/html``, without ``_static``/``_sources``) it

- opens the page in headless Chromium (Debian package ``chromium``), saves a screenshot to
  ``_build/screenshots/PAGE.png`` and dumps the DOM after scripts ran (``--dump-dom``);
- checks that the page has a title (``<title>`` and an ``<h1>``), that every ``<img>`` it references
  exists on disk and is not empty, that no notebook output is an error traceback;
- checks that MathJax is loaded from the vendored copy (``_static/mathjax/tex-chtml.js``, present
  on disk) and, on pages with math, that it typeset it (``mjx-container`` elements in the DOM);
- checks that no absolute machine path (the checkout's or the home folder) shows on the page;
- checks that nothing would load from the internet at page time: no ``http(s)://`` in any ``src``
  attribute or in the ``href`` of a ``<link>`` (plain ``<a href>`` links are fine, and so is
  sphinx-thebe's ``THEBE_JS_URL`` constant inside an inline script, loaded only on a launch click);
- checks that no code input shows by default (every notebook cell's input sits in a closed
  ``<details>``: the ``hide-input`` tag), that every image of the article has alternative text
  (``alt``) and is in a ``<figure>`` whose caption says what it shows (at least four words), that
  every link of the article to this book leads to a page that exists and, with a ``#fragment``, to
  an element with that id, that no text outside code and typeset math still reads as ``$...$``
  TeX, and that no section is empty (a heading and nothing under it) and no placeholder such as "No
  benchmark results yet" shows;
- checks that every figure can be read: each image carries its legibility record (the smallest
  text in pixels of the PNG and the legends that cover data, written when the figure is saved:
  ``scdmac_lib.book.legibility``), no legend covers data, and the smallest text as drawn in the
  page, the record's scaled by the image's drawn width over its natural width (measured in
  Chromium), is at least ``MIN_TEXT_PX`` (9 CSS px); each page's line reports that smallest size;
- measures the layout at ``--width`` (1280 px) in the browser: the page and the article column are
  no wider than the viewport, and nothing inside the article is cut off or scrolls sideways (an
  element whose ``scrollWidth`` exceeds its ``clientWidth`` under ``overflow-x: auto|scroll|hidden``,
  or whose right edge passes the article's; inline math and the code blocks of prose pages may
  scroll inside the column, as code does, but not pass its edge). The measurement runs in a copy of the page with a
  ``<base>`` pointing at the original and a script that writes the numbers into the DOM it dumps.

The screenshots are of the whole page (as tall as it is, up to ``MAX_SHOT_HEIGHT`` px).
Without Chromium it says so, skips the browser (screenshots, rendered-math check, layout, the
figures' drawn size) and still runs the checks on the static HTML, except under ``CI=true``, where a missing browser fails the check
(CI must measure the pages). Install it with ``apt-get update && apt-get install -y chromium``.
Exit status: 0 when every page passes, 1 otherwise (failing pages listed), 2 when there is no book.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

from bs4 import BeautifulSoup

from scdmac_lib.book import legibility

REPO_ROOT = Path(__file__).resolve().parents[1]
MATHJAX = "_static/mathjax/tex-chtml.js"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
    "--virtual-time-budget=8000",
]


MIN_CAPTION_WORDS = 4
MIN_TEXT_PX = 9.0  # the smallest text of a figure as the reader sees it, in CSS pixels
MAX_SHOT_HEIGHT = 16000  # a full-page screenshot of a longer page is cut here
#: $...$ left as text: a dollar, no space after it, anything but a dollar or a line break, no space
#: before the closing dollar (a price or a shell variable has no closing dollar on its line)
RAW_MATH = re.compile(r"(?<![\\$\w])\$(?=[^\s$])[^$\n]*[^\s$\\]\$(?![\w$])|(?<![\\$])\$\$[^$]+\$\$")
LAYOUT_ATTR = "data-scdmac-layout"
#: Injected into a copy of each page: after load (fonts, MathJax), measure the article and write the
#: result into an attribute of <body> that --dump-dom returns.
MEASURE_SCRIPT = """<script>
window.addEventListener('load', () => setTimeout(() => {
  const art = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
  const box = art.getBoundingClientRect();
  const doc = document.documentElement;
  const out = {viewport: doc.clientWidth, page: doc.scrollWidth, article: [art.scrollWidth, art.clientWidth], wide: []};
  const seen = [];
  const name = el => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
      ? '.' + el.className.trim().split(/\\s+/).slice(0, 2).join('.') : '');
  for (const el of art.querySelectorAll('*')) {
    if (el.closest('details:not([open])') && !el.matches('details, summary') && !el.closest('summary')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (seen.some(p => p.contains(el))) continue;
    const ox = getComputedStyle(el).overflowX;
    // inline math: MathJax's glyph metrics overhang its box by a few px (nothing is cut); prose code
    // blocks scroll as code does everywhere; both still count when they pass the article's edge
    const exempt = el.matches('span.math, span.math *') || (el.matches('div.highlight pre') && !el.closest('.cell_output'));
    const clips = ['auto', 'scroll', 'hidden'].includes(ox) && el.scrollWidth > el.clientWidth + 1;
    const past = r.right > box.right + 1;
    const scrolls = clips && !exempt;
    if (exempt && clips && !past) { seen.push(el); continue; }  // what it clips is its own business
    if (scrolls || past) {
      seen.push(el);
      const text = (el.innerText || '').trim().replace(/\\s+/g, ' ').slice(0, 50);
      out.wide.push({element: name(el), width: Math.round(scrolls ? el.scrollWidth : r.width),
                     room: Math.round(scrolls ? el.clientWidth : box.right - r.left), text: text});
    }
  }
  // every image of the article, in document order: its natural width and the width it is drawn at
  out.images = Array.from(art.querySelectorAll('img'), img => ({natural: img.naturalWidth,
      shown: Math.round(img.getBoundingClientRect().width * 10) / 10}));
  out.height = doc.scrollHeight;
  document.body.setAttribute('""" + LAYOUT_ATTR + """', JSON.stringify(out));
}, 300));
</script>"""


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium(binary: str, args: list[str], url: str, profile_dir: str, timeout: int = 90) -> subprocess.CompletedProcess:
    cmd = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}", *args, url]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def is_external(url: str | None) -> bool:
    return bool(url) and url.strip().lower().startswith(("http://", "https://", "//"))


def local_target(page: Path, url: str) -> Path | None:
    """The file a relative URL of ``page`` points at (None for data:/external/anchor URLs)."""
    if not url or url.startswith(("data:", "#")) or is_external(url):
        return None
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    return (page.parent / unquote(parsed.path)).resolve()


def presentation_problems(soup: BeautifulSoup) -> list[str]:
    """Code input visible by default, and images without a caption that says what they show."""
    problems = []
    article = soup.select_one("article.bd-article") or soup.select_one("main") or soup
    shown = [c for c in article.select("div.cell_input")
             if not any(d.name == "details" and not d.has_attr("open") for d in c.parents)]
    if shown:
        first = " ".join(shown[0].get_text(" ", strip=True).split())[:60]
        problems.append(f"{len(shown)} code input(s) visible by default (tag the cell hide-input), first: {first!r}")
    for img in article.find_all("img"):
        if not img.get("alt", "").strip():
            problems.append(f"image {_short(img.get('src', ''))} has no alternative text (alt)")
        figure = img.find_parent("figure")
        caption = figure.find("figcaption") if figure is not None else None
        words = caption.get_text(" ", strip=True).split() if caption is not None else []
        if len(words) < MIN_CAPTION_WORDS:
            problems.append(f"image {_short(img.get('src', ''))} has no caption saying what it shows "
                            f"({' '.join(words) or 'none'})")
    return problems


def _short(src: str) -> str:
    return src[:40] + "..." if src.startswith("data:") else src


def image_bytes(page: Path, src: str) -> bytes | None:
    """The bytes of an image of ``page``: decoded from a ``data:`` URI or read from its file."""
    if src.startswith("data:"):
        header, _, payload = src.partition(",")
        return base64.b64decode(payload) if header.endswith(";base64") else None
    target = local_target(page, src)
    return target.read_bytes() if target is not None and target.is_file() else None


def _figure_name(img) -> str:
    figure = img.find_parent("figure")
    caption = figure.find("figcaption") if figure is not None else None
    text = " ".join(caption.get_text(" ", strip=True).split()) if caption is not None else img.get("alt", "")
    return repr(text[:50] + ("..." if len(text) > 50 else ""))


def figure_problems(page: Path, soup: BeautifulSoup, shown: list[dict] | None) -> tuple[list[str], float | None]:
    """Figures that cannot be read in the column, and the smallest text of the page's figures as shown (px).

    Each image of the article must carry its legibility record (:mod:`scdmac_lib.book.legibility`,
    written by ``page.show_figure``); no legend may cover data; with ``shown`` (the widths Chromium
    drew the images at, from :data:`MEASURE_SCRIPT`, in document order) its smallest text as drawn,
    the record's smallest text scaled by the drawn width over the image's width, must be at least
    :data:`MIN_TEXT_PX`. Images not drawn (inside a closed ``<details>``) are not measured.
    """
    article = soup.select_one("article.bd-article") or soup.select_one("main") or soup
    images = article.find_all("img")
    if shown is not None and len(shown) != len(images):
        return [f"{len(images)} images in the page but {len(shown)} measured"], None
    problems, smallest = [], None
    for i, img in enumerate(images):
        name = _figure_name(img)
        data = image_bytes(page, img.get("src", ""))
        record = legibility.read(data) if data else None
        if record is None:
            problems.append(f"figure {name} has no legibility record (show it with page.show_figure)")
            continue
        problems += [f"figure {name}: {cover}" for cover in record.legend_covers]
        if shown is None or shown[i]["shown"] <= 0:
            continue
        if shown[i]["natural"] != record.width_px:
            problems.append(f"figure {name}: its record is of a {record.width_px} px wide image, "
                            f"the image is {shown[i]['natural']} px")
            continue
        px = record.displayed_text_px(shown[i]["shown"])
        smallest = px if smallest is None else min(smallest, px)
        if px < MIN_TEXT_PX:
            problems.append(f"figure {name}: smallest text {px:.1f} px as shown ({record.text!r}, "
                            f"{record.text_px:.1f} px in a {record.width_px} px image drawn {shown[i]['shown']:g} px "
                            f"wide), below {MIN_TEXT_PX:g} px")
    return problems, smallest


def raw_math_problems(soup: BeautifulSoup) -> list[str]:
    """Text of the article (not code, not typeset math) that still reads as ``$...$`` TeX."""
    article = soup.select_one("article.bd-article") or soup.select_one("main") or soup
    skip = ("pre", "code", "script", "style", "mjx-container", "textarea")
    found = []
    for node in article.find_all(string=True):
        if any(parent.name in skip or "math" in (parent.get("class") or []) for parent in node.parents):
            continue
        found += RAW_MATH.findall(str(node))
    return [f"raw TeX shows as text: {', '.join(repr(m) for m in found[:3])}"] if found else []


_IDS: dict[Path, set[str]] = {}


def _ids(target: Path) -> set[str]:
    if target not in _IDS:
        soup = BeautifulSoup(target.read_text(encoding="utf-8"), "html.parser")
        _IDS[target] = {tag["id"] for tag in soup.find_all(id=True)} | {a["name"] for a in soup.find_all("a", attrs={"name": True})}
    return _IDS[target]


def link_problems(page: Path, soup: BeautifulSoup) -> list[str]:
    """Links of the article to a page or an anchor of this book that does not exist."""
    problems = []
    article = soup.select_one("article.bd-article") or soup.select_one("main") or soup
    for a in article.find_all("a", href=True):
        href = a["href"]
        if href.startswith(("data:", "mailto:", "javascript:")) or is_external(href):
            continue
        parsed = urlparse(href)
        target = page if not parsed.path else local_target(page, href)
        if target is None:
            continue
        if not target.is_file():
            problems.append(f"link {href} leads nowhere")
        elif parsed.fragment and target.suffix == ".html" and unquote(parsed.fragment) not in _ids(target):
            problems.append(f"link {href}: no #{parsed.fragment} on that page")
    return problems


def layout_problems(layout: dict) -> list[str]:
    """Overflow found by :data:`MEASURE_SCRIPT`: the page, the article, or an element inside it."""
    problems = []
    if layout["page"] > layout["viewport"] + 1:
        problems.append(f"page {layout['page']} px wide in a {layout['viewport']} px viewport")
    width, room = layout["article"]
    if width > room + 1:
        problems.append(f"article column {width} px wide, {room} px visible")
    for el in layout["wide"]:
        problems.append(f"{el['element']} needs {el['width']} px, has {el['room']} px ({el['text']!r})")
    return problems


def measure_layout(binary: str, page: Path, *, width: int, height: int, profile_dir: str) -> tuple[str, dict | None]:
    """The page's DOM after scripts ran, and its layout at ``width`` (``None`` when not measured)."""
    text = page.read_text(encoding="utf-8")
    base = f'<base href="{page.as_uri()}">'
    marked = text.replace("<head>", "<head>" + base, 1).replace("</body>", MEASURE_SCRIPT + "</body>", 1)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / page.name
        copy.write_text(marked, encoding="utf-8")
        dom = chromium(binary, ["--dump-dom", f"--window-size={width},{height}"], copy.as_uri(), profile_dir)
    if dom.returncode != 0 or not dom.stdout.strip():
        return "", None
    body = BeautifulSoup(dom.stdout, "html.parser").body
    raw = body.get(LAYOUT_ATTR) if body is not None else None
    return dom.stdout, (json.loads(raw) if raw else None)


def is_redirect(soup: BeautifulSoup):
    """The ``<meta http-equiv="refresh">`` of a redirect page (``index.html``), or ``None``."""
    return soup.find("meta", attrs={"http-equiv": lambda v: v and v.lower() == "refresh"})


#: Text a finished page never shows: a placeholder left where results should be.
PLACEHOLDERS = ("No benchmark results yet",)


def empty_section_problems(soup: BeautifulSoup) -> list[str]:
    """Sections of the article with a heading and nothing else (no text, image or table under it, its
    subsections included), and placeholder text (:data:`PLACEHOLDERS`)."""
    article = soup.select_one("article.bd-article") or soup
    problems = []
    for section in article.find_all("section"):
        heading = section.find(["h1", "h2", "h3", "h4", "h5", "h6"])
        if heading is None:
            continue
        rest = section.get_text(" ", strip=True).replace(heading.get_text(" ", strip=True), "", 1).strip(" #¶")
        if not rest and section.find(["img", "table", "svg", "iframe"]) is None:
            problems.append(f"section {heading.get_text(' ', strip=True).strip(' #¶')!r} is empty")
    text = article.get_text(" ")
    problems += [f"shows the placeholder {p!r}" for p in PLACEHOLDERS if p in text]
    return problems


def check_html(page: Path, html: str, *, rendered: bool) -> list[str]:
    """Problems of one page, from its HTML (``rendered``: the DOM after scripts ran)."""
    soup = BeautifulSoup(html, "html.parser")
    problems: list[str] = []
    refresh = is_redirect(soup)
    if refresh is not None:  # index.html: a redirect to the root page
        target = refresh.get("content", "").partition("url=")[2] or refresh.get("content", "").partition("URL=")[2]
        dest = local_target(page, target.strip())
        if dest is None or not dest.is_file():
            problems.append(f"redirect target {target!r} does not exist")
        return problems

    title = soup.title.get_text(strip=True) if soup.title else ""
    if not title:
        problems.append("no <title>")
    if soup.find("h1") is None:
        problems.append("no <h1> heading")

    for img in soup.find_all("img"):
        src = img.get("src", "")
        if is_external(src):
            continue  # reported below as an external load
        dest = local_target(page, src)
        if dest is None:
            continue
        if not dest.is_file():
            problems.append(f"image {src} missing")
        elif dest.stat().st_size == 0:
            problems.append(f"image {src} is empty")

    for tag in soup.find_all(src=True):
        if is_external(tag["src"]):
            problems.append(f"loads <{tag.name} src={tag['src']}> from the internet")
    for tag in soup.find_all("link", href=True):
        if is_external(tag["href"]):
            problems.append(f"loads <link href={tag['href']}> from the internet")

    scripts = [s.get("src", "") for s in soup.find_all("script", src=True)]
    mathjax = [s for s in scripts if "mathjax" in s.lower()]
    has_math = bool(soup.select(".math, mjx-container, span.math, div.math"))
    if has_math or mathjax:
        vendored = [s for s in mathjax if s.split("?")[0].endswith(MATHJAX)]
        if not vendored:
            problems.append(f"MathJax not loaded from the vendored {MATHJAX} (scripts: {mathjax})")
        elif not (page.parent / vendored[0].split("?")[0]).resolve().is_file():
            problems.append(f"vendored MathJax {vendored[0]} missing on disk")
        if len(mathjax) > 1:
            problems.append(f"MathJax loaded {len(mathjax)} times")
        if rendered and has_math and not soup.find("mjx-container"):
            problems.append("math present but not typeset by MathJax (no mjx-container)")

    text = soup.get_text(" ")
    for machine_path in {str(REPO_ROOT), str(Path.home())} - {"/"}:
        if machine_path in text:
            problems.append(f"shows an absolute machine path ({machine_path}...)")

    for err in soup.select("div.output.traceback, div.cell_output .traceback, .output.error"):
        first = err.get_text(" ", strip=True)[:120]
        problems.append(f"error output in a notebook cell: {first}")
    return (problems + presentation_problems(soup) + link_problems(page, soup) + raw_math_problems(soup)
            + empty_section_problems(soup))


def pages_of(html_dir: Path) -> list[Path]:
    skip = {"_static", "_sources", "_images", "_sphinx_design_static"}
    return sorted(p for p in html_dir.rglob("*.html") if not (set(p.relative_to(html_dir).parts) & skip))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=REPO_ROOT / "_build" / "html")
    parser.add_argument("--shots", type=Path, default=REPO_ROOT / "_build" / "screenshots")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=2400)
    parser.add_argument("pages", nargs="*", help="check only these pages (paths under --html)")
    args = parser.parse_args(argv)

    html_dir = args.html.resolve()
    if not (html_dir / "index.html").is_file():
        sys.stderr.write(f"check_book: no built book at {html_dir} (run scdmac notebooks book)\n")
        return 2
    binary = find_chromium()
    if binary is None and os.environ.get("CI", "").lower() == "true":
        sys.stderr.write("check_book: chromium is not installed and CI=true: the pages cannot be measured "
                         "(apt-get update && apt-get install -y chromium).\n")
        return 1
    if binary is None:
        print("check_book: SKIPPING the browser checks: chromium is not installed "
              "(apt-get update && apt-get install -y chromium); checking the static HTML only.")
    else:
        args.shots.mkdir(parents=True, exist_ok=True)

    failures: dict[str, list[str]] = {}
    widths: dict[str, dict] = {}
    pages = pages_of(html_dir)
    if args.pages:
        unknown = sorted(set(args.pages) - {p.relative_to(html_dir).as_posix() for p in pages})
        if unknown:
            sys.stderr.write(f"check_book: no such page(s) in {html_dir}: {', '.join(unknown)}\n")
            return 2
        pages = [p for p in pages if p.relative_to(html_dir).as_posix() in args.pages]
    for page in pages:
        rel = page.relative_to(html_dir).as_posix()
        static = page.read_text(encoding="utf-8")
        soup = BeautifulSoup(static, "html.parser")
        problems = check_html(page, static, rendered=False)
        smallest = None
        if binary is None or is_redirect(soup):
            problems += figure_problems(page, soup, None)[0]
        else:
            url = page.as_uri()
            shot = args.shots / (rel.replace("/", "__").removesuffix(".html") + ".png")
            with tempfile.TemporaryDirectory() as profile_dir:
                try:
                    dom, layout = measure_layout(binary, page, width=args.width, height=args.height,
                                                 profile_dir=profile_dir)
                    height = min(max(args.height, (layout or {}).get("height", 0)), MAX_SHOT_HEIGHT)
                    snap = chromium(binary, [f"--screenshot={shot}", f"--window-size={args.width},{height}"],
                                    url, profile_dir)
                except subprocess.TimeoutExpired:
                    problems.append("chromium timed out")
                else:
                    if not dom:
                        problems.append("chromium --dump-dom failed")
                    else:
                        problems += [p for p in check_html(page, dom, rendered=True) if p not in problems]
                        if layout is None:
                            problems.append("the layout was not measured (the page's load event never came)")
                        else:
                            problems += layout_problems(layout)
                            widths[rel] = layout
                        found, smallest = figure_problems(page, BeautifulSoup(dom, "html.parser"),
                                                          None if layout is None else layout["images"])
                        problems += found
                    if snap.returncode != 0 or not shot.is_file() or shot.stat().st_size == 0:
                        problems.append(f"no screenshot (exit {snap.returncode})")
        status = "ok" if not problems else "FAIL"
        measured = ""
        if rel in widths:
            lay = widths[rel]
            text = "" if smallest is None else f", smallest figure text {smallest:.1f} px"
            measured = f" [article {lay['article'][0]}/{lay['article'][1]} px, page {lay['page']}/{lay['viewport']} px{text}]"
        print(f"{status:4s} {rel}{measured}" + ("" if not problems else ": " + "; ".join(problems)))
        if problems:
            failures[rel] = problems

    where = f"; screenshots in {args.shots}" if binary is not None else ""
    if failures:
        print(f"check_book: {len(failures)} of {len(pages)} pages failed: {', '.join(failures)}{where}")
        return 1
    print(f"check_book: all {len(pages)} pages passed{where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
