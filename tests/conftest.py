"""Shared fixtures: the repository root, the built site, and Chromium with the network
blocked."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"


@pytest.fixture(scope="session")
def site() -> Path:
    """The built site; `make test` builds it first."""
    if not (SITE / "book" / "intro.html").exists():
        pytest.fail("the book is not built: run `make book` (make test does it for you)")
    return SITE


CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.fail("Debian chromium is missing: apt-get install chromium chromium-driver")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        yield b
        b.close()


def _is_error(message) -> bool:
    return message.type == "error"


def open_offline(
    browser, base, url, *, height=2000, width=1280, mode=None, is_problem=_is_error, **goto
):
    """Open ``url`` with every request outside ``base`` blocked and recorded; ``mode``
    ("light" or "dark") sets the site's theme as a reader's choice would.

    Returns the context, the page, the blocked URLs and the problems logged (console
    messages ``is_problem`` picks, and uncaught page errors).
    """
    context = browser.new_context(
        viewport={"width": width, "height": height}, color_scheme=mode or "light"
    )
    if mode:  # pydata-sphinx-theme keeps the reader's choice in localStorage
        context.add_init_script(f"localStorage.setItem('mode', '{mode}');")
    page = context.new_page()
    outside, errors = [], []

    def route(r):
        if r.request.url.startswith(base):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if is_problem(m) else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, **goto)
    return context, page, outside, errors
