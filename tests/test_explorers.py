"""The Explorer: the static page carries the model's own runs; the live widgets re-solve."""

from __future__ import annotations

import html
import math
import re

import numpy as np
import plotly.io as pio
import pytest

from imiquimod_model.book import explorers, figures
from imiquimod_model.book.explorers import Control, Curve, Explorer, Panel
from imiquimod_model.book.reporting import COUNTED, unit_text

ALL = list(figures.ALL_EXPLORERS)


def _figure(explorer: Explorer):
    return explorers.build_figure(explorer, explorers.run(explorer, **explorer.defaults()))


def _data(html: str) -> dict:
    blob = re.search(r'<script [^>]*class="imq-explorer-data">(.*?)</script>', html, re.S)
    return explorers.unpacked(blob.group(1))


@pytest.fixture(scope="module", params=ALL, ids=lambda e: e.name)
def static(request):
    explorer = request.param
    return explorer, explorers.static_html(explorer)


def test_static_data_are_the_model_runs_for_every_combination(static):
    explorer, html = static
    data = _data(html)
    grids = [c["values"] for c in data["controls"]]
    assert data["strides"][-1] == 1
    for combo in np.ndindex(*[len(g) for g in grids]):
        values = {
            c.parameter: grids[j][i]
            for j, (c, i) in enumerate(zip(explorer.controls, combo, strict=True))
        }
        model = explorer.model(**values)
        index = sum(i * s for i, s in zip(combo, data["strides"], strict=True))
        for stored, trace in zip(data["traces"], explorer.traces(), strict=True):
            y = np.array(data["arrays"][stored["y"][index]], dtype=float)
            expected = trace.y(model)
            panel = explorer.panels[trace.curve.panel]
            if panel.log_y:  # compared in log10 units; a log axis draws nothing at 0 or below
                with np.errstate(divide="ignore", invalid="ignore"):
                    y, expected = np.log10(y), np.log10(np.where(expected > 0, expected, np.nan))
            # each value kept to 1/LEVELS of its panel's height
            step = (panel.y_range[1] - panel.y_range[0]) / explorers.LEVELS
            assert np.allclose(y, expected, rtol=0, atol=step, equal_nan=True)


def test_stored_curves_decode_to_what_they_encode():
    values = np.array([0.0, 0.123456, np.nan, 2.5, -1.0])
    assert explorers.decoded(explorers.encoded(values, 4, False), 4, False) == [
        0.0,
        0.1235,
        None,
        2.5,
        -1.0,
    ]
    logged = explorers.decoded(explorers.encoded(values, 3, True), 3, True)
    assert logged[0] is None and logged[2] is None and logged[4] is None  # not drawable
    assert np.isclose(logged[1], 0.123456, rtol=1.2e-3) and np.isclose(logged[3], 2.5, rtol=1e-3)


def test_a_choice_among_peers_prints_every_option_as_a_table():
    """On paper, the comparison explorer shows every comparison, not just the first."""
    from imiquimod_model.book.figures import outcomes as chapter

    table = explorers.every_choice_table(chapter.COMPARISON)
    assert "imq-print-only" in table
    for option in chapter.COMPARISON.controls[0].grid:
        assert f">{html.escape(option)}</th>" in table
    assert len(chapter.COMPARISON.x_ticks) > explorers.PRINTED_COLUMNS  # too many columns
    assert f">{html.escape(chapter.COMPARISON.x_label)}</th>" in table  # so one lists them
    for tick in chapter.COMPARISON.x_ticks:
        assert f"{html.escape(tick)}: " in table
    edwards = "EGW: complete clearance, 5% and 1% (Edwards 1998)"
    row = table[table.index(f">{html.escape(edwards)}</th>") :].split("</tr>")[0]
    assert "imiquimod 5%: 50 (" in row and "imiquimod 1%: 21" in row and "surgery" not in row
    assert table in explorers.static_html(chapter.COMPARISON)
    assert explorers.every_choice_table(chapter.VIRTUAL_TRIAL) == ""  # a course: its defaults


def test_the_comparison_explorer_shows_every_arm_of_each_comparison():
    """Each arm of the chosen trial and endpoint has a slot of its own: Edwards 1998's 5%,
    1% and vehicle arms (50%, 21%, 11% in the trial) all appear, none overwrites another."""
    import csv

    from imiquimod_model.book.figures import outcomes as chapter
    from imiquimod_model.outcomes import DATA

    with open(DATA, newline="") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    for option, (trial, endpoint) in chapter.COMPARISONS.items():
        arms = [r for r in rows if r["trial"] == trial and r["endpoint"] == endpoint]
        shown = chapter.comparison(comparison=option)
        values = np.vstack([v for k, v in shown.items() if k.startswith("percent_")])
        assert np.sum(np.isfinite(values).any(axis=0)) == len(arms) > 1, option
    edwards = chapter.comparison(comparison="EGW: complete clearance, 5% and 1% (Edwards 1998)")
    seen = {
        chapter.TREATMENTS[i]: round(float(v))
        for i, v in enumerate(np.fmax(edwards["percent_imiquimod"], edwards["percent_vehicle"]))
        if np.isfinite(v)
    }
    assert seen == {"imiquimod 5%": 50, "imiquimod 1%": 21, "vehicle": 11}


def test_interval_bars_are_one_line_of_low_high_gap_per_point():
    bars = explorers.segments(np.array([1.0, np.nan, 3.0]), np.array([2.0, np.nan, 5.0]))
    assert np.array_equal(
        bars, [1, 2, np.nan, np.nan, np.nan, np.nan, 3, 5, np.nan], equal_nan=True
    )


def test_bars_are_drawn_under_their_points_at_the_points_x():
    explorer = next(e for e in ALL if any(c.has_bars for c in e.curves))
    fig = _figure(explorer)
    names = [(t.name, t.mode) for t in fig.data]
    curves = [c for c in explorer.curves if c.has_bars]
    for curve in curves:
        bar = names.index((curve.name, "lines"))
        points = names.index((curve.name, "markers" if curve.markers else "lines"), bar + 1)
        assert bar < points and fig.data[bar].showlegend is False
        x = np.asarray(fig.data[points].x, dtype=float)
        assert np.array_equal(fig.data[bar].x[0::3], x) and np.array_equal(fig.data[bar].x[1::3], x)


def test_static_html_is_offline_and_does_not_inline_plotly(static):
    _, html = static
    # (plain "cdn" can occur inside base64-packed arrays; a CDN address needs "cdn.")
    assert "cdn." not in html.lower() and "https://" not in html and "http://" not in html
    assert "<script src" not in html
    assert len(html) < 3_000_000
    assert ('type="range"' in html or "<select" in html) and "Plotly.newPlot" in html


def test_slider_labels_carry_units(static):
    explorer, html = static
    for c in explorer.controls:
        if c.is_choice:
            assert c.title in html
        elif c.spec.unit:  # a counted unit that the meaning names is not repeated
            named = c.spec.unit in COUNTED and c.spec.unit.split("/")[0] in c.spec.meaning
            assert (f"({unit_text(c.spec.unit)})" in html) != bool(named), c.label
            assert f"{c.spec.unit.split('/')[0]} ({c.spec.unit})" not in c.label
            assert "(1/" not in c.label  # "per day", not "1/day" (read as "31/day" after a 3)


def test_readouts_count_in_the_singular_and_plural():
    assert Control("cycles", (1, 2)).format(1) == "1 cycle"
    assert Control("cycles", (1, 2)).format(2) == "2 cycles"
    assert Control("treatment_weeks", (1, 16)).format(1) == "1 week"
    assert Control("applications_per_week", (3, 7)).format(3) == "3 per week"
    assert Control("applications_per_week", (3, 7)).label == "Applications of cream per week"


def test_more_than_five_controls_is_refused():
    c = Control("tlr7_ec50_uM", (1.0, 5.0))
    with pytest.raises(ValueError, match="1 to 5 controls"):
        Explorer("x", "x", lambda **k: {}, "t", "t", (c,) * 6, (Panel("y", (0, 1)),), ())


def test_control_grid_outside_the_registry_range_is_refused():
    with pytest.raises(ValueError, match="tlr7_ec50_uM"):
        Control("tlr7_ec50_uM", (0.01, 5.0))


def test_curve_in_a_missing_panel_is_refused():
    c = Control("tlr7_ec50_uM", (1.0, 5.0))
    with pytest.raises(ValueError, match="panel"):
        Explorer(
            "x", "x", lambda **k: {}, "t", "t", (c,), (Panel("y", (0, 1)),), (Curve("y", "y", 1),)
        )


@pytest.mark.parametrize("y_range", [(1, 1), (2, 1), (0, float("nan")), (0, float("inf"))])
def test_a_panel_needs_a_finite_increasing_y_range(y_range):
    with pytest.raises(ValueError, match="y_range"):
        Panel("y", y_range)


def test_every_explorer_axis_is_fixed_so_redraws_change_curves_only():
    """imq-redraw.js redraws the curves alone; that is right only if no axis autoranges."""
    for explorer in figures.ALL_EXPLORERS:
        fig = _figure(explorer)
        y_axes = [fig.layout[k] for k in fig.layout if k.startswith("yaxis")]
        assert len(y_axes) == len(explorer.panels)
        assert all(axis.range is not None for axis in y_axes), explorer.name


def test_the_template_keeps_plotlys_simple_white_look_for_scatter_traces():
    white = pio.templates["simple_white"]
    assert explorers.TEMPLATE.layout == white.layout
    assert explorers.TEMPLATE.data.scatter == white.data.scatter
    used = {t.type for e in figures.ALL_EXPLORERS for t in _figure(e).data}
    assert used == {"scatter"}


def test_mode_comes_from_the_environment():
    assert explorers.explorer_mode({"IMIQUIMOD_EXPLORER_MODE": "static"}) == "static"
    assert explorers.explorer_mode({}) == "live"
    with pytest.raises(ValueError):
        explorers.explorer_mode({"IMIQUIMOD_EXPLORER_MODE": "fast"})


# --- live face ------------------------------------------------------------------------------
@pytest.fixture(params=ALL, ids=lambda e: e.name)
def live(request):
    return explorers.live_widget(request.param)


def test_a_live_figure_carries_its_explorers_description(live):
    assert live.figure.description == live.explorer.announced
    assert len(live.figure.description) > 20


def _figure_y(live):
    return [np.array(trace.y, dtype=float) for trace in live.figure.data]


def test_each_live_control_redraws_what_the_model_returns(live):
    for control in live.explorer.controls:
        live = explorers.live_widget(live.explorer)  # each control moves alone from the start
        before = _figure_y(live)
        new = (
            control.grid[0]
            if control.grid[0] != live.sliders[control.parameter].value
            else control.grid[-1]
        )
        live.sliders[control.parameter].value = new
        expected = live.explorer.model(**live.values())
        after = _figure_y(live)
        for y, trace in zip(after, live.explorer.traces(), strict=True):
            assert np.allclose(y, trace.y(expected), rtol=1e-12, equal_nan=True)
        assert any(
            not np.array_equal(a, b, equal_nan=True) for a, b in zip(before, after, strict=True)
        )
        if not control.is_choice:
            assert float(live.entries[control.parameter].value) == pytest.approx(new)
        assert live.message.value == ""


def _numeric(live):
    numeric = [c for c in live.explorer.controls if not c.is_choice]
    if not numeric:
        pytest.skip("this explorer has only choice controls: nothing can be typed")
    return numeric


@pytest.mark.parametrize("bad", ["1e9", "-3", "nan", "inf", "five", ""])
def test_invalid_entry_shows_a_message_and_keeps_the_figure(live, bad):
    control = _numeric(live)[0]
    before = _figure_y(live)
    slider_before = live.sliders[control.parameter].value
    live.entries[control.parameter].value = bad
    assert control.parameter in live.message.value
    assert "⚠" in live.message.value and "Traceback" not in live.message.value
    for a, b in zip(before, _figure_y(live), strict=True):
        assert np.array_equal(a, b, equal_nan=True)
    assert live.sliders[control.parameter].value == slider_before


def test_valid_entry_moves_the_slider_and_clears_the_message(live):
    control = _numeric(live)[-1]
    live.entries[control.parameter].value = "1e9"
    assert live.message.value
    target = control.grid[1]
    live.entries[control.parameter].value = f"{target}"
    assert live.message.value == ""
    assert live.sliders[control.parameter].value == pytest.approx(target, rel=0.15)
    expected = live.explorer.model(**live.values())
    for y, trace in zip(_figure_y(live), live.explorer.traces(), strict=True):
        assert np.allclose(y, trace.y(expected), rtol=1e-12, equal_nan=True)


def test_choice_controls_list_their_options_and_reject_others():
    control = Control("genotype", ("wild type", "TLR7 knockout"), title="Genotype")
    assert control.is_choice and control.check("TLR7 knockout") == "TLR7 knockout"
    with pytest.raises(ValueError, match="wild type, TLR7 knockout"):
        control.check("no spleen")
    with pytest.raises(ValueError, match="choice control needs a title"):
        Control("genotype", ("wild type",))


def test_static_choice_is_a_menu(static):
    explorer, html = static
    for c in explorer.controls:
        if c.is_choice:
            assert html.count("<option") >= len(c.grid)


def test_log_sliders_stop_on_the_registry_default_and_every_grid_value():
    for explorer in ALL:
        for control in explorer.controls:
            if control.log:
                live = explorers.live_widget(explorer)
                stops = [v for _, v in live.sliders[control.parameter].options]
                assert control.spec.value in stops and set(control.grid) <= set(stops)
                assert live.sliders[control.parameter].value == control.spec.value
                assert stops == sorted(stops) and stops[0] == control.spec.low
                assert stops[-1] == control.spec.high


def test_a_typed_value_between_stops_runs_exactly_and_the_slider_goes_to_the_nearest():
    explorer = next(e for e in ALL if any(c.log for c in e.controls))
    control = next(c for c in explorer.controls if c.log)
    live = explorers.live_widget(explorer)
    live.entries[control.parameter].value = "4.2"
    assert live.values()[control.parameter] == 4.2
    assert live.sliders[control.parameter].value == 5.0  # nearer than 3 on a log scale
    expected = explorer.model(**live.values())
    for y, curve in zip(_figure_y(live), explorer.curves, strict=True):
        assert np.allclose(y, expected[curve.output], rtol=1e-12, equal_nan=True)


def test_entry_boxes_and_readouts_show_no_float_noise():
    explorer = next(e for e in ALL if any(not c.log and not c.is_choice for c in e.controls))
    control = next(c for c in explorer.controls if not c.log and not c.is_choice)
    live = explorers.live_widget(explorer)
    noisy = control.spec.low + 3 * (control.spec.high - control.spec.low) / 10 + 1e-15
    live.sliders[control.parameter].value = noisy
    assert live.entries[control.parameter].value == f"{explorers.clean(noisy):g}"
    assert len(live.entries[control.parameter].value) <= 7
    assert live.sliders[control.parameter].readout_format.endswith("f")


def test_entry_text_and_parsing():
    assert explorers.entry_text(29.999999999999996) == "30"
    assert explorers.entry_text(5.011872336272722) == "5.01187"
    assert explorers.parse_entry("tlr7_ec50_uM", " 4.5 ") == 4.5
    with pytest.raises(ValueError, match="not a number"):
        explorers.parse_entry("tlr7_ec50_uM", "4,5")


def test_a_nan_slider_warns_and_the_explorer_recovers(live):
    control = _numeric(live)[0]
    slider = live.sliders[control.parameter]
    before = _figure_y(live)
    if isinstance(slider.value, int):
        pytest.skip("a whole-number slider cannot hold NaN")
    slider.value = float("nan")
    assert "nan" in live.message.value and "⚠" in live.message.value
    for a, b in zip(before, _figure_y(live), strict=True):
        assert np.array_equal(a, b, equal_nan=True)
    slider.value = control.grid[-1]
    assert live.message.value == ""


def test_a_menu_value_that_is_not_an_option_is_refused_with_a_message():
    explorer = next(e for e in ALL if any(c.is_choice for c in e.controls))
    live = explorers.live_widget(explorer)
    control = next(c for c in explorer.controls if c.is_choice)
    menu = live.sliders[control.parameter]
    chosen = menu.value
    menu.value = "no such option"
    assert menu.value == chosen
    assert "no such option" in live.message.value and "⚠" in live.message.value


def _visibly_different(explorer: Explorer, data: dict, a: int, b: int) -> bool:
    """Whether two combinations draw some curve differently by more than 1% of its
    panel's height (in log10 units on a log panel)."""
    for trace, stored in zip(explorer.traces(), data["traces"], strict=True):
        panel = explorer.panels[trace.curve.panel]
        low, high = panel.y_range
        ys = [np.array(data["arrays"][stored["y"][c]], dtype=float) for c in (a, b)]
        if panel.log_y:
            ys = [np.log10(np.where(y > 0, y, np.nan)) for y in ys]
        gaps = np.isnan(ys[0]) != np.isnan(ys[1])
        with np.errstate(invalid="ignore"):
            moved = np.nanmax(np.abs(ys[0] - ys[1]), initial=0.0) > 0.01 * (high - low)
        if gaps.any() or moved:
            return True
    return False


def test_every_step_of_every_slider_changes_the_figure(static):
    """No stop of a slider is dead where the reader starts: with the other controls as the
    figure opens, moving it one step visibly changes a curve (a control whose upper half
    changes nothing gets a range where it does)."""
    explorer, html = static
    data = _data(html)
    start = [c.initial_index for c in explorer.controls]
    for j, control in enumerate(explorer.controls):
        if control.is_choice:
            continue  # named options (two knockouts may rightly draw the same curves)
        for step in range(len(control.grid) - 1):
            here = _combo(data, (*start[:j], step, *start[j + 1 :]))
            there = _combo(data, (*start[:j], step + 1, *start[j + 1 :]))
            values = [control.format(v) for v in control.grid[step : step + 2]]
            assert _visibly_different(explorer, data, here, there), (
                f"{explorer.name}: {control.parameter} from {values[0]} to {values[1]}"
            )


def _combo(data: dict, positions) -> int:
    return sum(p * s for p, s in zip(positions, data["strides"], strict=True))


#: "Set the pDC killing rate to 0.6 per day": what the text asks a control to be set to
SET_TO = re.compile(r"\b[Ss]et (?:the )?([\w\s'-]+?) to (\d+(?:\.\d+)?)")


def _named_control(phrase: str, explorer: Explorer) -> Control | None:
    """The explorer's control whose label shares the most words with ``phrase``."""
    words = set(re.findall(r"[\w-]+", phrase.lower())) - {"the", "of", "a", "rate"}
    scored = [
        (len(words & set(re.findall(r"[\w-]+", c.label.lower()))), c)
        for c in explorer.controls
        if not c.is_choice
    ]
    best = max(scored, key=lambda s: s[0], default=(0, None))
    return best[1] if best[0] else None


def _constant(explorer: Explorer) -> str:
    """The name a chapter shows the explorer by (``show(figures.NAME)``)."""
    modules = (getattr(figures, m) for m in ("cream_to_receptor", "signalling", "killers"))
    modules = (*modules, figures.adaptive, figures.outcomes)
    return next(n for m in modules for n, value in vars(m).items() if value is explorer)


def test_every_value_the_text_sets_is_one_its_control_offers():
    """Each "set X to Y" in a chapter names a value the static slider stops at."""
    from .conftest import ROOT

    checked = 0
    for page in sorted((ROOT / "book").glob("*.md")):
        text = " ".join(page.read_text().split())
        shown = [e for e in ALL if f"figures.{_constant(e)}" in text]
        for phrase, value in SET_TO.findall(text):
            candidates = [(e, _named_control(phrase, e)) for e in shown]
            candidates = [(e, c) for e, c in candidates if c is not None]
            if not candidates:
                continue
            offered = [v for _, c in candidates for v in c.grid]
            assert any(math.isclose(float(value), v) for v in offered), (page.name, phrase, value)
            checked += 1
    assert checked >= 3


@pytest.mark.parametrize("explorer", ALL, ids=lambda e: e.name)
def test_every_slider_opens_at_the_value_the_chapters_use(explorer):
    """Each slider opens at the registry's value (or the value it is told to open at), a
    stop of its grid: a slider that opened at the nearest stop instead would show curves
    for a value the text does not use."""
    for control in explorer.controls:
        if control.is_choice:
            continue
        start = control.spec.value if control.opens_at is None else control.opens_at
        assert control.live_default == pytest.approx(start), (control.parameter, control.grid)
