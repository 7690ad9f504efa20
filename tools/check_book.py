"""Check the built book in a real browser: every page renders, offline.

Usage: .venv/bin/python tools/check_book.py [--html _build/html] [--shots _build/screenshots]

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
  sphinx-thebe's ``THEBE_JS_URL`` constant inside an inline script, loaded only on a launch click).

Without Chromium it says so, skips the browser (screenshots, rendered-math check) and still runs
the checks on the static HTML. Install it with ``apt-get update && apt-get install -y chromium``.
Exit status: 0 when every page passes, 1 otherwise (failing pages listed), 2 when there is no book.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

from bs4 import BeautifulSoup

REPO_ROOT = Path(__file__).resolve().parents[1]
MATHJAX = "_static/mathjax/tex-chtml.js"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
    "--virtual-time-budget=8000",
]


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


def check_html(page: Path, html: str, *, rendered: bool) -> list[str]:
    """Problems of one page, from its HTML (``rendered``: the DOM after scripts ran)."""
    soup = BeautifulSoup(html, "html.parser")
    problems: list[str] = []
    refresh = soup.find("meta", attrs={"http-equiv": lambda v: v and v.lower() == "refresh"})
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
    return problems


def pages_of(html_dir: Path) -> list[Path]:
    skip = {"_static", "_sources", "_images", "_sphinx_design_static"}
    return sorted(p for p in html_dir.rglob("*.html") if not (set(p.relative_to(html_dir).parts) & skip))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=REPO_ROOT / "_build" / "html")
    parser.add_argument("--shots", type=Path, default=REPO_ROOT / "_build" / "screenshots")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=2400)
    args = parser.parse_args(argv)

    html_dir = args.html.resolve()
    if not (html_dir / "index.html").is_file():
        sys.stderr.write(f"check_book: no built book at {html_dir} (run python -m scdmac_lib.notebooks book)\n")
        return 2
    binary = find_chromium()
    if binary is None:
        print("check_book: SKIPPING the browser checks: chromium is not installed "
              "(apt-get update && apt-get install -y chromium); checking the static HTML only.")
    else:
        args.shots.mkdir(parents=True, exist_ok=True)

    failures: dict[str, list[str]] = {}
    pages = pages_of(html_dir)
    for page in pages:
        rel = page.relative_to(html_dir).as_posix()
        problems = check_html(page, page.read_text(encoding="utf-8"), rendered=False)
        if binary is not None:
            url = page.as_uri()
            shot = args.shots / (rel.replace("/", "__").removesuffix(".html") + ".png")
            with tempfile.TemporaryDirectory() as profile_dir:
                try:
                    dom = chromium(binary, ["--dump-dom"], url, profile_dir)
                    snap = chromium(binary, [f"--screenshot={shot}", f"--window-size={args.width},{args.height}"],
                                    url, profile_dir)
                except subprocess.TimeoutExpired:
                    problems.append("chromium timed out")
                else:
                    if dom.returncode != 0 or not dom.stdout.strip():
                        problems.append(f"chromium --dump-dom failed (exit {dom.returncode})")
                    else:
                        problems += [p for p in check_html(page, dom.stdout, rendered=True) if p not in problems]
                    if snap.returncode != 0 or not shot.is_file() or shot.stat().st_size == 0:
                        problems.append(f"no screenshot (exit {snap.returncode})")
        status = "ok" if not problems else "FAIL"
        print(f"{status:4s} {rel}" + ("" if not problems else ": " + "; ".join(problems)))
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
