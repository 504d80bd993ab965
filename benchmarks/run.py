"""`make bench`: the figures DESIGN.md sets targets for, measured on this machine.

- live update: one slider change = model solve + live-figure update (target median < 20 ms,
  p95 < 50 ms), for every explorer;
- static repaint: control change to the next painted frame in Chromium (< 50 ms);
- `make book` from a clean copy of the tracked files (< 3 min) and cached rebuild (< 30 s);
- bytes per page, HTML with its data, plotly.js excluded (< 3 MB);
- JupyterLab: control change to repainted figure in a real JupyterLab (Binder-like checkout,
  Chromium), keyboard steps on every slider of every chapter with explorers (median < 50 ms);
- virtual trial: 1,000 patients on a 16-week course, per-patient outcomes and the predicted
  clearance with its band (median < 50 ms), for a schedule seen before and a new one;
- calibration: maximum likelihood and posterior draws (< 2 min), and the leave-one-trial-out
  refits;
- the chain for many patients at once (16 weeks of cream 3 a week and 8 weeks after,
  hourly) for N = 5, 160 and 640 parameter sets × permeability nodes (N = 640 well under 1 s).

Results are printed and written to _build/bench.json.
"""

from __future__ import annotations

import functools
import http.server
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
from tests import binder

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


def virtual_trials() -> dict[str, dict[str, float]]:
    """A 16-week virtual trial of 1,000 patients and its prediction: with the schedule's
    chain already solved (a control revisited) and with a new schedule (chain solved)."""
    from imiquimod_model import clinic, pk

    schedules = [
        pk.Schedule(applications_per_week=n, weeks=16, cream_percent=s)
        for n in (2, 3, 5, 7)
        for s in (2.5, 3.75, 5.0)
    ]
    new, seen = [], []
    for schedule in schedules:
        for samples in (new, seen):  # first call solves the chain, the second reuses it
            start = time.perf_counter()
            clinic.virtual_trial("actinic keratosis", schedule, patients=1000)
            clinic.predict_clearance("actinic keratosis", schedule)
            samples.append((time.perf_counter() - start) * 1e3)
    return {"new_schedule": _summary(new), "schedule_seen_before": _summary(seen)}


def calibration_time() -> dict[str, float]:
    """Minutes of the whole calibration (the virtual population, its draws and every trial
    left out) as the stored fit records it (run by ``python -m imiquimod_model.clinic.refit``,
    never during the book build), and seconds for one set of assumed numbers calibrated."""
    from imiquimod_model import clinic
    from imiquimod_model.clinic import refit, selection

    arms = clinic.calibration_arms()
    start = time.perf_counter()
    selection.fit_set(
        clinic.stored_sets()[-1], arms, clinic.mode_vector()[0], refit.DRAWS_PER_SET, 1
    )
    return {
        "stored_calibration_min": clinic.fitted()["virtual_population"]["minutes"],
        "one_set_s": time.perf_counter() - start,
    }


def new_design_predictions(repeats: int = 5) -> dict[str, float]:
    """Milliseconds for a prediction for a design not seen before (its chain for every set
    of assumed numbers solved, uncached), median over ``repeats`` designs."""
    from imiquimod_model import clinic, pk

    seconds = []
    for k in range(repeats):
        schedule = pk.Schedule(applications_per_week=3, weeks=5 + k, cream_mg=211.0)
        start = time.perf_counter()
        clinic.predict_clearance("actinic keratosis", schedule)
        seconds.append((time.perf_counter() - start) * 1e3)
    return _summary(seconds)


def chain_many(sizes: tuple[int, ...] = (5, 160, 640), repeats: int = 3) -> dict[str, dict]:
    """Seconds for :func:`chain.solve_chain` on N patients (a spread of flux factors and of
    two assumed numbers), 16 weeks of 3 a week and 8 weeks after, hourly."""
    from imiquimod_model import pk
    from imiquimod_model.chain import solve_chain

    schedule = pk.Schedule(applications_per_week=3, weeks=16)
    rng = np.random.default_rng(0)
    results = {}
    for n in sizes:
        flux = np.exp(rng.normal(0.0, 0.5, n))
        values = {
            "pdc_killing_rate_per_day": rng.uniform(1.0, 8.0, n),
            "tlr7_ec50_uM": rng.uniform(1.0, 10.0, n),
        }
        seconds = []
        for _ in range(repeats):
            start = time.perf_counter()
            solve_chain(schedule, flux, 24 * pk.HOURS_PER_WEEK, values=values)
            seconds.append(time.perf_counter() - start)
        results[f"N={n}"] = {"median_s": statistics.median(seconds), "min_s": min(seconds)}
    return results


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


#: issue 15's target for what a page loads besides plotly.js
PAGE_WEIGHT_TARGET_BYTES = 1_500_000


def static_repaints_and_weights() -> tuple[dict, dict]:
    """Control-to-frame times of the static explorers, and bytes each page loads."""
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_Quiet, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    repaint, weights = {}, {}
    move = """async (el, v) => {
        const root = el.closest('.imq-explorer');
        const repainted = imqRepainted(document.getElementById(root.dataset.figure));
        el.value = v; el.dispatchEvent(new Event('input'));
        return await repainted; }"""
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for html in sorted((SITE / "book").glob("*.html")):
            page = browser.new_page()
            page.add_init_script(REPAINT_PROBE)
            sizes = {}
            page.on("response", lambda r, s=sizes: s.__setitem__(r.url, len(r.body())))
            page.goto(f"{base}/book/{html.name}", wait_until="load")
            page.wait_for_timeout(500)  # fonts (KaTeX, icons) arrive after load
            loaded = sum(
                n for url, n in sizes.items() if not url.split("?")[0].endswith("plotly.min.js")
            )
            weights[html.name] = {
                "html_bytes": html.stat().st_size,
                "loaded_bytes_without_plotly_js": loaded,
                "under_1_5_MB_target": loaded < PAGE_WEIGHT_TARGET_BYTES,
            }
            samples = []
            for el in page.query_selector_all(".imq-explorer [data-control]"):
                top = el.evaluate("e => e.type === 'range' ? Number(e.max) : e.options.length - 1")
                for pos in list(range(top + 1)) * 3:
                    if el.evaluate("e => e.value") != str(pos):  # always a real change
                        samples.append(el.evaluate(move, str(pos)))
            if samples:
                repaint[html.name] = _measured(samples)
            page.close()
        browser.close()
    httpd.shutdown()
    return repaint, weights


#: JavaScript (an init script) defining ``imqRepainted(plot)``: a promise of the time from
#: now until the frame that shows ``plot``'s next change starts its style, layout and paint
#: (-1 after 5 s). A change made by an animation-frame callback (plotly redraws from one)
#: is shown by that same frame; any other waits for the next frame's callbacks. A frame's
#: callbacks are told apart by a flag that the first of them raises and a resize
#: observation, delivered in the same frame after layout, lowers.
REPAINT_PROBE = """(() => {
  const raf = window.requestAnimationFrame.bind(window);
  const marker = document.createElement('div');
  marker.style.cssText = 'position:fixed;top:0;width:1px;height:1px;opacity:0;pointer-events:none';
  const frameDone = new ResizeObserver(() => {
    window.__imqInFrame = false;
    frameDone.unobserve(marker);
  });
  window.requestAnimationFrame = (callback) => raf((time) => {
    if (!window.__imqInFrame) {
      window.__imqInFrame = true;
      if (!marker.isConnected) document.documentElement.appendChild(marker);
      frameDone.observe(marker);  // a new observation reports in this frame's rendering
    }
    callback(time);
  });
  window.imqRepainted = (plot) => new Promise((resolve) => {
    const start = performance.now();
    const observer = new MutationObserver(() => {
      observer.disconnect();
      if (window.__imqInFrame) resolve(performance.now() - start);
      else raf(() => resolve(performance.now() - start));
    });
    observer.observe(plot, {subtree: true, childList: true, attributes: true});
    setTimeout(() => { observer.disconnect(); resolve(-1); }, 5000);
  });
})()"""
#: JavaScript: step a slider with the keyboard; the time until the figure is repainted.
STEP_AND_WAIT = """([handle, plot, key]) => {
    const repainted = imqRepainted(plot);
    handle.dispatchEvent(new KeyboardEvent("keydown", {key, bubbles: true}));
    return repainted;
}"""


def _measured(samples_ms: list[float]) -> dict[str, float]:
    """:func:`_summary` of the samples that repainted, and how many did not within 5 s."""
    moved = [ms for ms in samples_ms if ms >= 0]
    return {**_summary(moved), "no_repaint_within_5_s": len(samples_ms) - len(moved)}


def chapters_with_explorers() -> list[str]:
    """The chapters that show an explorer, by page name."""
    return sorted(p.stem for p in (ROOT / "book").glob("*.md") if "show(figures." in p.read_text())


def _step_every_slider(page, moves: int) -> list[float]:
    """Step each slider of the open notebook ``moves`` times each way with the keyboard;
    the control-to-repaint time of every step (ms; -1 where nothing was redrawn)."""
    samples = []
    boxes = page.locator(".widget-vbox:has(.js-plotly-plot)")
    for i in range(boxes.count()):
        box = boxes.nth(i)
        box.scroll_into_view_if_needed()
        plot = box.locator(".js-plotly-plot").first.element_handle()
        handles = box.locator(".noUi-handle")
        for j in range(handles.count()):
            handle = handles.nth(j).element_handle()
            at_top = handle.evaluate("h => h.ariaValueNow === h.ariaValueMax")
            keys = ["ArrowLeft", "ArrowRight"] if at_top else ["ArrowRight", "ArrowLeft"]
            for key in keys * moves:  # always a real change
                samples.append(page.evaluate(STEP_AND_WAIT, [handle, plot, key]))
                page.wait_for_timeout(50)  # a reader's pace: one step at a time
    return samples


def _shut_down_kernels(lab: str) -> None:
    """End every kernel session of the JupyterLab at ``lab``, so chapters run one at a time."""
    token = f"token={binder.TOKEN}"
    with urllib.request.urlopen(f"{lab}/api/sessions?{token}") as response:
        sessions = json.load(response)
    for session in sessions:
        url = f"{lab}/api/sessions/{session['id']}?{token}"
        urllib.request.urlopen(urllib.request.Request(url, method="DELETE")).close()


def jupyterlab_repaints(moves: int = 10) -> dict:
    """Control-to-repaint times in a real JupyterLab (Binder-like checkout, Chromium): in
    every chapter with explorers, after Run All, every slider stepped ``moves`` times each
    way with the keyboard (kernel round trip, model solve and plotly redraw)."""
    from playwright.sync_api import sync_playwright

    results, every_step = {}, []
    with tempfile.TemporaryDirectory() as tmp:
        repo, env, _ = binder.binder_checkout(Path(tmp))
        with binder.jupyterlab(repo, env) as lab, sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            for chapter in chapters_with_explorers():
                page = browser.new_page(viewport={"width": 1280, "height": 1600})
                page.add_init_script(REPAINT_PROBE)
                page.goto(f"{lab}/lab/tree/book/{chapter}.ipynb?reset&token={binder.TOKEN}")
                page.wait_for_function(binder.KERNEL_READY, timeout=90_000)
                page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
                page.wait_for_function(binder.RUN_ALL_DONE, timeout=300_000, polling=500)
                page.wait_for_timeout(2000)
                samples = _step_every_slider(page, moves)
                results[chapter] = _measured(samples)
                every_step += samples
                page.close()
                _shut_down_kernels(lab)
            browser.close()
    results["every chapter"] = _measured(every_step)
    return results


def book_build_times() -> dict[str, float]:
    """Seconds for a clean build of a fresh copy of the tracked files, then a cached one."""
    with tempfile.TemporaryDirectory() as tmp:
        binder.copy_repository(Path(tmp))
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
    results["virtual_trial"] = virtual_trials()
    results["calibration"] = calibration_time()
    results["new_design_prediction_ms"] = new_design_predictions()
    results["chain_many"] = chain_many()
    results["static_repaint"], results["page_weight"] = static_repaints_and_weights()
    results["book_build"] = book_build_times()
    results["jupyterlab_repaint"] = jupyterlab_repaints()
    out = ROOT / "_build" / "bench.json"
    out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
