"""`make bench`: the figures DESIGN.md sets targets for, measured on this machine.

- live update: one slider change = model solve + FigureWidget update (target median < 20 ms,
  p95 < 50 ms), for every explorer;
- static repaint: control change to the next painted frame in Chromium (< 50 ms);
- `make book` from a clean copy of the tracked files (< 3 min) and cached rebuild (< 30 s);
- bytes per page, HTML with its data, plotly.js excluded (< 3 MB).

Results are printed and written to _build/bench.json.
"""

from __future__ import annotations

import functools
import http.server
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from imiquimod_model.book import explorers, figures

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
CHROMIUM = "/usr/bin/chromium"


def _summary(samples_ms: list[float]) -> dict[str, float]:
    return {
        "median_ms": statistics.median(samples_ms),
        "p95_ms": float(np.percentile(samples_ms, 95)),
        "n": len(samples_ms),
    }


def live_updates(repeats: int = 60) -> dict[str, dict[str, float]]:
    """Time slider changes on the live widgets (solve + figure update)."""
    results = {}
    for explorer in figures.ALL_EXPLORERS:
        live = explorers.live_widget(explorer)
        moves = itertools.cycle([(c.parameter, v) for c in explorer.controls for v in c.grid])
        samples = []
        for _ in range(repeats):
            name, value = next(moves)
            if live.sliders[name].value == value:
                name, value = next(moves)
            start = time.perf_counter()
            live.sliders[name].value = value
            samples.append((time.perf_counter() - start) * 1e3)
        results[explorer.name] = _summary(samples)
    return results


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def static_repaints_and_weights() -> tuple[dict, dict]:
    """Control-to-frame times of the static explorers, and bytes each page loads."""
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_Quiet, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    repaint, weights = {}, {}
    measure = """async (el, v) => {
        const t0 = performance.now();
        el.value = v; el.dispatchEvent(new Event('input'));
        await new Promise(r => requestAnimationFrame(() => r()));
        return performance.now() - t0; }"""
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for html in sorted((SITE / "book").glob("*.html")):
            page = browser.new_page()
            sizes = {}
            page.on("response", lambda r, s=sizes: s.__setitem__(r.url, len(r.body())))
            page.goto(f"{base}/book/{html.name}", wait_until="load")
            weights[html.name] = {
                "html_bytes": html.stat().st_size,
                "loaded_bytes_without_plotly_js": sum(
                    n for url, n in sizes.items() if not url.split("?")[0].endswith("plotly.min.js")
                ),
            }
            samples = []
            for el in page.query_selector_all(".imq-explorer [data-control]"):
                top = el.evaluate("e => e.type === 'range' ? Number(e.max) : e.options.length - 1")
                for pos in list(range(top + 1)) * 3:
                    samples.append(el.evaluate(measure, str(pos)))
            if samples:
                repaint[html.name] = _summary(samples)
            page.close()
        browser.close()
    httpd.shutdown()
    return repaint, weights


def book_build_times() -> dict[str, float]:
    """Seconds for a clean build of a fresh copy of the tracked files, then a cached one."""
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    with tempfile.TemporaryDirectory() as tmp:
        for name in files:
            target = Path(tmp) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target)
        cmd = [
            str(Path(sys.executable).parent / "jupyter-book"),
            "build",
            ".",
            "--warningiserror",
            "--nitpick",
            "--keep-going",
        ]
        env = {**os.environ, "IMIQUIMOD_EXPLORER_MODE": "static"}
        times = {}
        for label in ("clean_s", "cached_s"):
            start = time.perf_counter()
            subprocess.run(cmd, cwd=tmp, env=env, check=True, capture_output=True)
            times[label] = time.perf_counter() - start
    return times


def main() -> None:
    results = {"live_update": live_updates()}
    results["static_repaint"], results["page_weight"] = static_repaints_and_weights()
    results["book_build"] = book_build_times()
    out = ROOT / "_build" / "bench.json"
    out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
