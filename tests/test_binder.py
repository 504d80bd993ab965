"""The book as a Binder reader gets it: a real JupyterLab in Chromium, network blocked.

A Binder-like checkout (see ``tests/binder.py``) is built once for the module. Then, for
every chapter, the page its launch button opens is loaded in JupyterLab and run whole, and
what the reader sees is checked: the numbers, tables, citations and captions are there
(no raw role, no "Unknown Directive", no "Citation Not Found"), every explorer is there and
redraws when a control moves, nothing is logged as an error, no request leaves the
machine, and no file of the repository has changed afterwards.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import time

import jupytext
import pytest

from . import binder
from .conftest import open_offline
from .test_book import CHAPTERS
from .test_browser import SCREENSHOTS

pytestmark = pytest.mark.slow
#: What a reader must never see: a role or directive the notebook view could not resolve.
UNRESOLVED = re.compile(
    r"\{(cite|glue|term|numref|doc|eq|ref)(:[a-z]+)?\}|Unknown Directive|Citation Not Found|"
    r"Unknown Role|Cross reference target was not found",
    re.I,
)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    return binder.binder_checkout(tmp_path_factory.mktemp("binder"))


@pytest.fixture(scope="module")
def lab(checkout):
    repo, env, _ = checkout
    with binder.jupyterlab(repo, env) as base:
        yield base


def _fingerprints(repo, files) -> dict[str, str]:
    return {name: hashlib.sha256((repo / name).read_bytes()).hexdigest() for name in files}


def test_the_environment_installs_and_postbuild_writes_the_reader_notebooks(checkout):
    repo, env, _ = checkout
    for chapter in CHAPTERS:
        assert (repo / "book" / f"{chapter.stem}.ipynb").exists(), chapter.stem
    listing = subprocess.run(
        ["jupyter", "labextension", "list"], capture_output=True, text=True, env=env, check=True
    )
    text = listing.stdout + listing.stderr
    assert re.search(r"jupyterlab-myst v2\.7\.0 \S*enabled\S* \S*OK", text), text
    assert re.search(r"jupyterlab-jupytext v\S+ \S*enabled\S* \S*OK", text), text
    assert "not compatible" not in text and " X" not in text, text


def test_the_server_sends_kernel_messages_without_nagles_delay(checkout):
    """postBuild's server configuration names the connection class that sets TCP_NODELAY,
    and the class imports and subclasses jupyter_server's own in the Binder environment."""
    repo, env, _ = checkout
    shown = subprocess.run(
        ["jupyter", "server", "--show-config"], capture_output=True, text=True, env=env, cwd=repo
    )
    assert re.search(
        r"kernel_websocket_connection_class = '[\w.]+\.PromptKernelConnection'", shown.stdout
    ), shown.stdout + shown.stderr
    subprocess.run(["python", "-c", NODELAY_CHECK], env=env, check=True)


#: Python for the Binder environment: connecting sets TCP_NODELAY on the websocket first,
#: then connects as jupyter_server does.
NODELAY_CHECK = """
from unittest import mock
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from imiquimod_model.book.kernel_socket import PromptKernelConnection
calls = []
class Handler:
    def set_nodelay(self, value):
        calls.append(("nodelay", value))
connection = PromptKernelConnection.__new__(PromptKernelConnection)
connection._trait_values["websocket_handler"] = Handler()
def connect(self):
    calls.append(("connect", None))
    return "connected"
with mock.patch.object(ZMQChannelsWebsocketConnection, "connect", connect):
    assert connection.connect() == "connected"
assert calls == [("nodelay", True), ("connect", None)], calls
"""


def _is_problem(message) -> bool:
    """An error, or a warning that an extension was built for another JupyterLab."""
    return message.type == "error" or (
        message.type == "warning" and "satisf" in message.text and "version" in message.text
    )


def _open(browser, lab, path):
    """Open ``path`` in a fresh JupyterLab workspace, as on Binder, with every request off
    the machine blocked and recorded; wait for the kernel."""
    opened = open_offline(
        browser,
        lab,
        f"{lab}/{path}?reset&token={binder.TOKEN}",
        height=1600,
        is_problem=_is_problem,
    )
    opened[1].wait_for_function(binder.KERNEL_READY, timeout=90_000)
    return opened


#: JavaScript: true when the open notebook shows unsaved changes
UNSAVED = "() => window.jupyterapp.shell.currentWidget.context.model.dirty"
#: Values typed into an explorer's first entry box, tried in turn until one is in range.
TYPED = ("2", "3", "200", "0.05", "0.1")
CHANGED = "([g, b]) => JSON.stringify(g._fullData.map(t => t.y)) !== b"
CHANGED_OR_REFUSED = (  # redrawn, or a message naming the value typed
    "([g, b, box, v]) => JSON.stringify(g._fullData.map(t => t.y)) !== b"
    " || (box.querySelector('.imq-error')?.textContent ?? '').includes(`= ${v}`)"
)


def _explorer_moves_redraw(page) -> int:
    """Type a value (or pick an option) in every explorer; return how many redrew.

    A typed value outside a control's range must be refused with a message; the next
    candidate is tried then, so each explorer is moved by a value it accepts."""
    boxes = page.locator(".widget-vbox:has(.js-plotly-plot)")
    redrawn = 0
    for i in range(boxes.count()):
        box = boxes.nth(i)
        plot = box.locator(".js-plotly-plot").first
        before = plot.evaluate("g => JSON.stringify(g._fullData.map(t => t.y))")
        entries = box.locator(".widget-text input")
        if not entries.count():
            menu = box.locator("select").first
            menu.scroll_into_view_if_needed()
            menu.select_option(index=1)
            page.wait_for_function(CHANGED, arg=[plot.element_handle(), before], timeout=20_000)
            redrawn += 1
            continue
        entry = entries.first
        entry.scroll_into_view_if_needed()
        shown = entry.input_value()  # a value equal to it would change nothing
        for value in (v for v in TYPED if float(v) != float(shown)):
            entry.fill(value)
            entry.press("Enter")
            page.wait_for_function(
                CHANGED_OR_REFUSED,
                arg=[plot.element_handle(), before, box.element_handle(), value],
                timeout=20_000,
            )
            if page.evaluate(CHANGED, [plot.element_handle(), before]):
                redrawn += 1
                break
            assert box.locator(".imq-error").count() == 1  # refused, with a message
    return redrawn


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_a_chapter_reads_like_the_book_and_its_explorers_redraw(
    site, checkout, lab, browser, chapter
):
    repo, _, files = checkout
    before = _fingerprints(repo, files)
    path = binder.launch_path(site, chapter.stem)
    assert path == f"lab/tree/book/{chapter.stem}.ipynb"
    context, page, outside, errors = _open(browser, lab, path)
    page.wait_for_timeout(1000)  # the kernel's language_info reaches the notebook
    assert not page.evaluate(UNSAVED), chapter.stem  # opens clean, not "modified"
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(binder.RUN_ALL_DONE, timeout=300_000, polling=500)
    page.wait_for_timeout(1500)
    text = page.inner_text(".jp-Notebook")
    unresolved = UNRESOLVED.search(text)
    assert not unresolved, (chapter.stem, text[max(0, unresolved.start() - 80) : unresolved.end()])
    assert page.locator(".jp-OutputArea-output[data-mime-type*='error']").count() == 0
    assert page.locator(".jp-OutputArea-output[data-mime-type*='stderr']").count() == 0
    source = jupytext.read(chapter)
    explorers = sum(
        1 for c in source.cells if c.cell_type == "code" and re.search(r"^show\(", c.source, re.M)
    )
    assert _explorer_moves_redraw(page) == explorers
    # each live explorer's figure is announced by its description, as on the site
    assert page.locator(".jp-OutputArea-output [role='figure'][aria-label]").count() >= explorers
    if explorers:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"jupyterlab-{chapter.stem}.png"))
    page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
    time.sleep(1)
    context.close()
    assert outside == [], outside
    assert errors == [], errors
    assert _fingerprints(repo, files) == before  # the reader notebook is not a repository file


@pytest.mark.parametrize("chapter", CHAPTERS[:1], ids=lambda p: p.stem)
def test_opening_and_saving_a_chapter_source_changes_nothing(checkout, lab, browser, chapter):
    repo, _, _ = checkout
    before = (repo / "book" / chapter.name).read_bytes()
    context, page, outside, errors = _open(browser, lab, f"lab/tree/book/{chapter.name}")
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-cell')")
    page.wait_for_timeout(1500)
    page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_timeout(1500)
    context.close()
    assert (repo / "book" / chapter.name).read_bytes() == before
    # The source is the authors' view: jupyterlab-myst cannot resolve its citations and
    # cross-references (that is what the reader notebooks are for), so its console is not
    # checked; it must not reach off the machine either.
    assert outside == [], outside
    del errors
