"""One interactive figure, two faces: a static page figure and a live notebook widget.

An :class:`Explorer` names a model function, up to three controls (registry parameters)
and what to plot. :func:`show` renders it in the mode the environment chooses:

* ``static`` (set by ``make book``): the model is run at build time over the cross product
  of the controls' grids; the page carries those runs and a small script
  (``static/imq-explorer.js`` beside this module) swaps curves when a control moves, with
  no kernel and no network.
* ``live`` (the default, so JupyterLab and Binder get it): ipywidgets sliders re-solve the
  model and restyle the figure in place (:class:`~.livefigure.LiveFigure`).

Examples
--------
>>> explorer_mode({"IMIQUIMOD_EXPLORER_MODE": "static"})
'static'
>>> explorer_mode({})
'live'
"""

from __future__ import annotations

import base64
import functools
import gzip
import html
import itertools
import json
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from ..parameters import PARAMETERS, validate
from .livefigure import PLOTLY_CONFIG, LiveFigure
from .reporting import COUNTED, number_text, quantity_text, unit_text

MODE_VARIABLE = "IMIQUIMOD_EXPLORER_MODE"
MAX_CONTROLS = 5  # the virtual trial: indication, strength, frequency, weeks, cycles
SIGNIFICANT_DIGITS = 4
PALETTE = ("#1f6f8b", "#c8553d", "#588b3f", "#7a4f9a", "#b8860b", "#444444")
#: plotly's "simple_white" with the trace defaults of the one trace type drawn (scatter)
#: only: plotly applies every type's defaults on each redraw, a third of its work there.
TEMPLATE = go.layout.Template(
    layout=pio.templates["simple_white"].layout,
    data={"scatter": pio.templates["simple_white"].data.scatter},
)


@dataclass(frozen=True)
class Control:
    """A control bound to the model keyword ``parameter``.

    For a registry parameter it is a slider: ``grid`` holds the values precomputed for the
    static page, and the live slider covers the registry's whole range in steps of
    ``step`` (or on a log scale where ``log``). For any other keyword it is a choice among
    the strings in ``grid`` (for instance a genotype), labelled ``title``. Both faces open
    at the stop nearest ``opens_at`` (default: the registry's value).
    """

    parameter: str
    grid: tuple
    log: bool = False
    step: float | None = None
    title: str | None = None
    opens_at: float | None = None

    def __post_init__(self) -> None:
        if self.is_choice:
            if not self.title or not all(isinstance(v, str) for v in self.grid):
                raise ValueError(
                    f"control {self.parameter!r} is not in the parameter registry; a choice "
                    "control needs a title and string options"
                )
            return
        for value in self.grid:
            validate(self.parameter, value)

    @property
    def is_choice(self) -> bool:
        """True for a choice among named options rather than a registry slider."""
        return self.parameter not in PARAMETERS

    @property
    def spec(self):
        """The registry entry behind a slider."""
        return PARAMETERS[self.parameter]

    @property
    def label(self) -> str:
        """Control label: meaning and unit (a counted unit the meaning already names, as in
        "weeks of treatment", is not repeated)."""
        if self.is_choice:
            return self.title
        meaning, unit = self.spec.meaning, self.spec.unit
        named = unit in COUNTED and re.search(rf"\b{unit.split('/')[0]}\b", meaning, re.I)
        shown = f" ({unit_text(unit)})" if unit and not named else ""
        return f"{meaning[0].upper()}{meaning[1:]}{shown}"

    @property
    def initial_index(self) -> int:
        """Index of the grid value closest to ``opens_at`` or the registry default (first
        option)."""
        if self.is_choice:
            return 0
        start = self.spec.value if self.opens_at is None else self.opens_at
        return int(np.argmin([abs(v - start) for v in self.grid]))

    @property
    def live_default(self):
        """The value the live control opens with: the stop the static page opens at, so
        both faces open alike (the registry default where it is a stop)."""
        return self.grid[self.initial_index]

    def format(self, value) -> str:
        """A value as the reader sees it next to the control ("1 cycle", "2 cycles")."""
        if self.is_choice:
            return str(value)
        return quantity_text(entry_text(value), value, self.spec.unit)

    def check(self, value):
        """``value`` if allowed, else a ``ValueError`` saying what is allowed."""
        if not self.is_choice:
            return validate(self.parameter, value)
        if value not in self.grid:
            raise ValueError(f"{self.parameter} = {value!r} is not one of: {', '.join(self.grid)}")
        return value


@dataclass(frozen=True)
class Panel:
    """One subplot: its y-axis label, range and scale.

    The range is fixed (log10 units on a log axis, as plotly takes them): the eye sees
    what a control changes against axes that stay put, and both faces redraw the curves
    alone, without recomputing the axes (see ``imq-redraw.js``).
    """

    y_label: str
    y_range: tuple[float, float]
    log_y: bool = False

    def __post_init__(self) -> None:
        low, high = self.y_range
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"panel {self.y_label!r}: y_range must be finite, low < high")


@dataclass(frozen=True)
class Curve:
    """One trace: the model output ``output`` drawn in ``panel``.

    ``markers`` draws points instead of a line; ``gaps`` allows NaN for points that have
    no value (drawn as gaps); ``low`` and ``high`` name outputs drawn as interval bars.
    """

    output: str
    name: str
    panel: int = 0
    dash: str | None = None
    color: str | None = None
    markers: bool = False
    gaps: bool = False
    low: str | None = None
    high: str | None = None

    @property
    def has_bars(self) -> bool:
        """Whether the curve is drawn with interval bars."""
        return bool(self.low and self.high)


def segments(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Vertical bars from ``low`` to ``high`` as one line: low, high, gap for each point.

    Interval bars are drawn as a line trace, not as plotly's ``error_y``, so that a redraw
    changes nothing but each trace's ``y`` (see ``imq-redraw.js``).
    """
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    return np.column_stack([low, high, np.full(low.shape, np.nan)]).ravel()


@dataclass(frozen=True)
class Trace:
    """One plotly trace of an explorer: a curve's points, or its interval bars."""

    curve: Curve
    bars: bool = False

    def y(self, outputs: Mapping[str, np.ndarray]) -> np.ndarray:
        """The trace's y values for one model run (NaN for a gap)."""
        if self.bars:
            return segments(outputs[self.curve.low], outputs[self.curve.high])
        return np.asarray(outputs[self.curve.output], dtype=float)

    def x(self, x: np.ndarray) -> np.ndarray:
        """The trace's x values, given the explorer's x."""
        return segments(x, x) if self.bars else np.asarray(x)


@dataclass(frozen=True)
class Explorer:
    """An interactive figure: model, controls and what to draw."""

    name: str
    title: str
    model: Callable[..., Mapping[str, np.ndarray]]
    x: str
    x_label: str
    controls: tuple[Control, ...]
    panels: tuple[Panel, ...]
    curves: tuple[Curve, ...]
    description: str = ""
    fixed: Mapping[str, object] = field(default_factory=dict)
    x_ticks: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not 1 <= len(self.controls) <= MAX_CONTROLS:
            raise ValueError(f"an explorer has 1 to {MAX_CONTROLS} controls")
        for curve in self.curves:
            if not 0 <= curve.panel < len(self.panels):
                raise ValueError(f"curve {curve.output!r} names a panel that does not exist")

    @property
    def announced(self) -> str:
        """What a screen reader announces for the explorer, on the site and in JupyterLab:
        its description, else its title."""
        return self.description or self.title

    def defaults(self) -> dict[str, float]:
        """Control values the figure opens with."""
        return {c.parameter: c.grid[c.initial_index] for c in self.controls}

    def traces(self) -> tuple[Trace, ...]:
        """The figure's traces in drawing order: interval bars first, points over them."""
        bars = tuple(Trace(c, bars=True) for c in self.curves if c.has_bars)
        return bars + tuple(Trace(c) for c in self.curves)


def explorer_mode(environ: Mapping[str, str] | None = None) -> str:
    """``"static"`` when the book build asks for it, else ``"live"``."""
    env = os.environ if environ is None else environ
    mode = env.get(MODE_VARIABLE, "live")
    if mode not in ("static", "live"):
        raise ValueError(f"{MODE_VARIABLE} = {mode!r}; use 'static' or 'live'")
    return mode


def run(explorer: Explorer, **values: float) -> dict[str, np.ndarray]:
    """Validate the control values and run the explorer's model with them."""
    controls = {c.parameter: c for c in explorer.controls}
    checked = {
        name: controls[name].check(value) if name in controls else validate(name, value)
        for name, value in values.items()
    }
    outputs = explorer.model(**explorer.fixed, **checked)
    gappy = {name for c in explorer.curves if c.gaps for name in (c.output, c.low, c.high)}
    for key, array in outputs.items():
        a = np.asarray(array, dtype=float)
        if np.any(np.isinf(a)) or (key not in gappy and np.any(np.isnan(a))):
            raise ValueError(f"the model returned non-finite values for {key!r}")
    return dict(outputs)


def build_figure(explorer: Explorer, outputs: Mapping[str, np.ndarray]) -> go.Figure:
    """The plotly figure for one set of model outputs (shared by both faces)."""
    rows = len(explorer.panels)
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    colours = {c: c.color or PALETTE[i % len(PALETTE)] for i, c in enumerate(explorer.curves)}
    for trace in explorer.traces():
        curve, colour = trace.curve, colours[trace.curve]
        if trace.bars:
            style = {
                "mode": "lines",
                "line": {"color": colour, "width": 1.5},
                "showlegend": False,
                "hoverinfo": "skip",
            }
        else:
            style = {
                "mode": "markers" if curve.markers else "lines",
                "line": {"dash": curve.dash, "color": colour},
                "marker": {"color": colour, "size": 10},
            }
        fig.add_trace(
            go.Scatter(
                x=trace.x(outputs[explorer.x]),
                y=trace.y(outputs),
                name=curve.name,
                legendgroup=str(curve.panel),
                **style,
            ),
            row=curve.panel + 1,
            col=1,
        )
    for r, panel in enumerate(explorer.panels, start=1):
        fig.update_yaxes(
            title_text=panel.y_label,
            type="log" if panel.log_y else "linear",
            exponentformat="power",
            range=list(panel.y_range),
            row=r,
            col=1,
        )
    fig.update_xaxes(title_text=explorer.x_label, row=rows, col=1)
    if explorer.x_ticks:
        fig.update_xaxes(
            tickvals=list(range(len(explorer.x_ticks))),
            ticktext=list(explorer.x_ticks),
            range=[-0.5, len(explorer.x_ticks) - 0.5],
        )
    fig.update_layout(
        template=TEMPLATE,
        height=260 * rows + 120,
        margin={"l": 70, "r": 20, "t": 30, "b": 50},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        font={"family": "system-ui, sans-serif", "size": 13},
    )
    return fig


# --- static face
def _rounded(array: np.ndarray) -> list[float]:
    """Values to SIGNIFICANT_DIGITS significant digits, as plain floats for JSON."""
    a = np.asarray(array, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        magnitude = np.where((a == 0) | np.isnan(a), 0, np.floor(np.log10(np.abs(a))))
    scale = 10.0 ** (SIGNIFICANT_DIGITS - 1 - magnitude)
    rounded = np.round(a * scale) / scale
    return [None if np.isnan(v) else v for v in rounded.tolist()]  # JSON null: a gap


#: a stored curve keeps 1/10,000 of its panel's height (a tenth of a pixel on a figure
#: 1,000 px tall), in log10 units on a log panel
LEVELS = 10_000


def _decimals(panel: Panel) -> int:
    """Decimals a panel's values are stored to: the largest step that is a power of ten and
    at most 1/LEVELS of the panel's height (log10 units on a log panel)."""
    low, high = panel.y_range
    return -math.floor(math.log10((high - low) / LEVELS))


def encoded(values: np.ndarray, decimals: int, log: bool) -> list[int | None]:
    """A curve as the page stores it: its values (log10 values where ``log``) in steps of
    ``10**-decimals``, each as the difference from the one before (small integers, which
    gzip packs several times tighter than the decimals); ``None`` for a gap, and on a log
    panel for a value the axis cannot draw (zero or below).

    >>> encoded(np.array([0.5, 0.52, np.nan, 0.5]), 2, False)
    [50, 2, None, -2]
    >>> decoded([50, 2, None, -2], 2, False)
    [0.5, 0.52, None, 0.5]
    """
    a = np.asarray(values, dtype=float)
    if log:
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.where(a > 0, np.log10(a), np.nan)
    steps = np.round(a * 10.0**decimals)
    out: list[int | None] = []
    last = 0
    for step in steps.tolist():
        if math.isnan(step):
            out.append(None)
        else:
            out.append(int(step) - last)
            last = int(step)
    return out


def decoded(deltas: list[int | None], decimals: int, log: bool) -> list[float | None]:
    """The values :func:`encoded` stored, as the page's script computes them."""
    scale, total, out = 10**decimals, 0, []
    for delta in deltas:
        if delta is None:
            out.append(None)
            continue
        total += delta
        out.append(10 ** (total / scale) if log else total / scale)
    return out


def precompute(explorer: Explorer) -> dict[str, object]:
    """Run the model over the controls' grid; return the page's data (JSON-ready).

    Each trace's curves are stored by :func:`encoded`, to ``decimals`` decimals of its
    panel's values (log10 values where ``log``), and identical curves once:
    ``traces[i]["y"][combo]`` indexes ``arrays`` for the figure's i-th trace
    (:meth:`Explorer.traces`; ``"bars"`` marks interval bars). A combination's index is
    ``sum(position_j * strides[j])``. :func:`unpacked` gives the values back.
    """
    grids = [c.grid for c in explorer.controls]
    sizes = [len(g) for g in grids]
    strides = [math.prod(sizes[j + 1 :]) for j in range(len(sizes))]
    arrays: list[list[int | None]] = []
    seen: dict[tuple, int] = {}
    drawn = explorer.traces()
    traces: list[dict] = []
    for t in drawn:
        panel = explorer.panels[t.curve.panel]
        traces.append(
            {
                "y": [],
                "decimals": _decimals(panel),
                **({"log": True} if panel.log_y else {}),
                **({"bars": True} if t.bars else {}),
            }
        )

    def store(values, decimals: int, log: bool) -> int:
        key = (decimals, log, tuple(encoded(values, decimals, log)))
        if key not in seen:
            seen[key] = len(arrays)
            arrays.append(list(key[2]))
        return seen[key]

    x_values = None
    for combo in itertools.product(*grids):
        values = {c.parameter: v for c, v in zip(explorer.controls, combo, strict=True)}
        outputs = run(explorer, **values)
        x = _rounded(outputs[explorer.x])
        if x_values is None:
            x_values = x
        elif x != x_values:
            raise ValueError(f"explorer {explorer.name}: x must not depend on the controls")
        for stored, trace in zip(traces, drawn, strict=True):
            y = trace.y(outputs)
            stored["y"].append(store(y, stored["decimals"], stored.get("log", False)))
    return {
        "name": explorer.name,
        "controls": [
            {
                "parameter": c.parameter,
                "values": list(c.grid),
                "labels": [c.format(v) for v in c.grid],
            }
            for c in explorer.controls
        ],
        "strides": strides,
        "traces": traces,
        "arrays": arrays,
    }


def _static_control(name: str, j: int, c: Control, i0: int) -> str:
    """One control of the static face: a range slider, or a menu for a choice."""
    input_id = f"imq-{name}-{c.parameter}"
    shown = html.escape(c.format(c.grid[i0]))
    if c.is_choice:
        options = "".join(
            f'<option value="{i}"{" selected" if i == i0 else ""}>{html.escape(c.format(v))}'
            "</option>"
            for i, v in enumerate(c.grid)
        )
        widget = f'<select id="{input_id}" data-control="{j}">{options}</select>'
    else:
        widget = (
            f'<input type="range" id="{input_id}" min="0" max="{len(c.grid) - 1}" step="1" '
            f'value="{i0}" data-control="{j}" aria-valuetext="{shown}">'
        )
    return (
        f'<div class="imq-control"><label for="{input_id}">{html.escape(c.label)}</label>'
        f'{widget}<output for="{input_id}">{shown}</output></div>'
    )


#: the range of magnitudes float32 holds at full precision (its smallest and largest normals)
FLOAT32_RANGE = (float(np.finfo(np.float32).tiny), float(np.finfo(np.float32).max))


def _as_float32(values: object) -> object:
    """A float64 array as float32 when that keeps its values to 7 significant digits (more
    than any axis shows); anything else unchanged."""
    if not isinstance(values, np.ndarray) or values.dtype != np.float64:
        return values
    magnitudes = np.abs(values[np.isfinite(values) & (values != 0)])
    low, high = FLOAT32_RANGE
    if magnitudes.size and (magnitudes.min() < low or magnitudes.max() > high):
        return values
    return values.astype(np.float32)


def page_figure_html(fig: go.Figure, **options) -> str:
    """A figure as a page embeds it: no plotly.js or MathJax of its own (the site serves
    plotly.js once), the arrays in float32 where that loses nothing an axis shows, which
    plotly writes in base64 at half the bytes of float64."""
    fig = go.Figure(fig)
    for trace in fig.data:
        for key in ("x", "y"):
            if key in trace:
                trace[key] = _as_float32(trace[key])
    return fig.to_html(
        include_plotlyjs=False,
        include_mathjax=False,
        full_html=False,
        config=PLOTLY_CONFIG,
        **options,
    )


def packed(data: Mapping[str, object]) -> str:
    """The runs as a page carries them: JSON, gzip-compressed, in base64 (lossless, about a
    third of the JSON's bytes; the browser unpacks it with its ``DecompressionStream``)."""
    text = json.dumps(data, separators=(",", ":")).encode()
    return base64.b64encode(gzip.compress(text, mtime=0)).decode("ascii")


def unpacked(text: str) -> dict:
    """The runs back from :func:`packed`'s text, each stored curve decoded to its values
    (:func:`decoded`), as the page's script reads them."""
    data = json.loads(gzip.decompress(base64.b64decode(text)))
    encoding = {}
    for trace in data["traces"]:
        for index in trace["y"]:
            encoding[index] = (trace["decimals"], trace.get("log", False))
    data["arrays"] = [decoded(a, *encoding[i]) for i, a in enumerate(data["arrays"])]
    return data


def _printed_value(values: Mapping[str, np.ndarray], curve: Curve, i: int) -> str | None:
    """A curve's value at its i-th x as a table prints it ("85 (66–94)" with interval
    bars), or None where it has none."""
    value = float(values[curve.output][i])
    if not math.isfinite(value):
        return None
    text = number_text(value, 2)
    if curve.has_bars:
        low, high = float(values[curve.low][i]), float(values[curve.high][i])
        if math.isfinite(low) and math.isfinite(high) and low < high:
            text += f" ({number_text(low, 2)}–{number_text(high, 2)})"
    return text


#: categories a printed page holds as columns; with more, each row lists its own
PRINTED_COLUMNS = 6


def every_choice_table(explorer: Explorer) -> str:
    """The print face of a choice among peers (an explorer whose one control is a choice,
    over named categories on x): a table with a row for every option, so that paper shows
    every choice, not only the one the page opens at; it takes the place of the figure and
    its settings there. A column for every category where a page has room for them
    (PRINTED_COLUMNS), else one column listing each row's categories that have a value.
    Empty for any other explorer, which paper shows at its defaults."""
    (control,) = explorer.controls if len(explorer.controls) == 1 else (None,)
    if control is None or not control.is_choice or not explorer.x_ticks:
        return ""
    as_columns = len(explorer.x_ticks) <= PRINTED_COLUMNS
    rows = []
    for option in control.grid:
        values = run(explorer, **{control.parameter: option})
        cells = []
        for i in range(len(explorer.x_ticks)):
            shown = [
                (curve.name, text)
                for curve in explorer.curves
                if (text := _printed_value(values, curve, i)) is not None
            ]
            named = len(shown) > 1  # several curves at one category: say which is which
            cells.append("; ".join(f"{n}: {t}" if named else t for n, t in shown) or "–")
        if not as_columns:
            listed = [f"{tick}: {c}" for tick, c in zip(explorer.x_ticks, cells, strict=True)]
            cells = ["; ".join(t for t, c in zip(listed, cells, strict=True) if c != "–")]
        rows.append(
            f'<tr><th scope="row">{html.escape(control.format(option))}</th>'
            + "".join(f"<td>{html.escape(c or '–')}</td>" for c in cells)
            + "</tr>"
        )
    head = (
        "".join(f'<th scope="col">{html.escape(t)}</th>' for t in explorer.x_ticks)
        if as_columns
        else f'<th scope="col">{html.escape(explorer.x_label)}</th>'
    )
    units = "; ".join(dict.fromkeys(p.y_label for p in explorer.panels))
    bars = any(c.has_bars for c in explorer.curves)
    caption = (
        f"Every choice of “{control.title}”: {units}"
        + ("; in brackets, the interval each bar spans" if bars else "")
        + " (– where there is none)."
    )
    return (
        '<table class="table imq-print-only imq-every-choice">'
        f"<caption>{html.escape(caption)}</caption>"
        f'<thead><tr><th scope="col">{html.escape(control.title)}</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def static_html(explorer: Explorer) -> str:
    """The explorer as HTML: sliders, a plotly figure and the precomputed runs."""
    data = precompute(explorer)
    positions = [c.initial_index for c in explorer.controls]
    fig = build_figure(explorer, run(explorer, **explorer.defaults()))
    div_id = f"imq-fig-{explorer.name}"
    plot = page_figure_html(fig, div_id=div_id)
    controls = "".join(
        _static_control(explorer.name, j, c, positions[j]) for j, c in enumerate(explorer.controls)
    )
    table = every_choice_table(explorer)
    kind = "imq-explorer imq-prints-table" if table else "imq-explorer"
    return (
        f'<div class="{kind}" id="imq-{explorer.name}" role="group" data-figure="{div_id}" '
        f'aria-label="{html.escape(explorer.announced)}">'
        f'<div class="imq-controls">{controls}</div>{plot}{table}'
        '<script type="application/gzip" data-encoding="base64" class="imq-explorer-data">'
        f"{packed(data)}</script></div>"
    )


# --- live face
#: Mantissas of the log sliders' stops in each decade (plus the registry's own values).
LOG_STOPS = (1.0, 1.5, 2.0, 3.0, 5.0, 7.0)


def clean(value: float) -> float:
    """A slider value without the float noise of its steps (29.999999999999996 → 30.0)."""
    return float(f"{value:.12g}")


def log_stops(control: Control) -> tuple[float, ...]:
    """The values a log slider stops at: 1-1.5-2-3-5-7 in every decade of the registry's
    range, the range's ends, the registry default and the static grid, so the slider lands
    on every value the book names.

    >>> log_stops(Control("tlr7_ec50_uM", (0.3, 5), log=True))[:6]
    (0.1, 0.15, 0.2, 0.3, 0.5, 0.7)
    """
    spec = control.spec
    stops = {spec.low, spec.high, spec.value, *control.grid}
    for decade in range(math.floor(math.log10(spec.low)), math.ceil(math.log10(spec.high)) + 1):
        stops.update(clean(m * 10.0**decade) for m in LOG_STOPS)
    return tuple(sorted(v for v in stops if spec.low <= v <= spec.high))


def readout_digits(control: Control) -> int:
    """Decimals a linear slider's readout needs to show its step (0 for whole numbers)."""
    spec = control.spec
    if spec.integer:
        return 0
    step = control.step or (spec.high - spec.low) / 100
    return max(0, -math.floor(math.log10(step) + 1e-9))


def entry_text(value: float) -> str:
    """A value as the entry box shows it: up to 6 significant figures, no float noise."""
    return f"{clean(value):g}"


def parse_entry(name: str, text: object) -> float:
    """The number typed for parameter ``name``, checked against the registry."""
    if isinstance(text, str):
        try:
            number: object = float(text.strip())
        except ValueError:
            number = text
    else:
        number = text
    return validate(name, number)


@dataclass
class LiveExplorer:
    """The live widgets of one explorer, kept so that tests can drive them.

    ``current`` holds the exact value of every control: a log slider stops at round
    values, while its entry box takes any allowed value.
    """

    explorer: Explorer
    figure: LiveFigure
    sliders: dict[str, object]
    entries: dict[str, object]
    message: object
    widget: object
    current: dict[str, object] = field(default_factory=dict)
    moving: set[str] = field(default_factory=set)

    def values(self) -> dict[str, object]:
        """Current control values by parameter name."""
        return dict(self.current)

    def warn(self, err: Exception) -> None:
        """Show a one-line message under the controls."""
        self.message.value = f'<span class="imq-error">⚠ {html.escape(str(err))}</span>'

    def redraw(self) -> None:
        """Re-solve with the current values; on bad input warn and keep the figure."""
        try:
            outputs = run(self.explorer, **self.values())
        except ValueError as err:
            self.warn(err)
            return
        if self.message.value:
            self.message.value = ""
        self.figure.restyle({"y": [t.y(outputs) for t in self.explorer.traces()]})

    def on_slider(self, name: str, new: object) -> None:
        """A slider moved: take its value, show it in the entry box, redraw."""
        if name in self.moving:  # moved by the entry box, which redraws itself
            return
        self.current[name] = new if isinstance(new, str) else clean(new)
        self.redraw()  # first, so the figure's message leaves before the entry box's
        if name in self.entries:
            self.entries[name].value = entry_text(self.current[name])

    def on_entry(self, name: str, text: object) -> None:
        """A value was typed: check it, move the slider to it (or the nearest stop), redraw."""
        try:
            value = parse_entry(name, text)
        except ValueError as err:
            self.warn(err)
            return
        self.entries[name].value = entry_text(value)
        if self.current.get(name) == value:
            self.message.value = ""
            return
        self.current[name] = value
        slider = self.sliders[name]
        self.moving.add(name)
        try:
            options = getattr(slider, "options", None)
            if options:
                slider.value = min((v for _, v in options), key=lambda v: abs(math.log(v / value)))
            else:
                slider.value = value
        finally:
            self.moving.discard(name)
        self.redraw()


@functools.cache
def _guarded(kind: str):
    """ipywidgets' ``kind`` (Dropdown or SelectionSlider), but a value that is not one of
    its options (NaN included) is refused with a message under the controls (through
    ``warn``), the control keeping its value, instead of a widget error with no message."""
    import ipywidgets as widgets
    from traitlets import validate as validate_trait

    class Menu(getattr(widgets, kind)):
        warn = None  # set by live_widget: LiveExplorer.warn

        @validate_trait("value")
        def _validate_value(self, proposal):
            if proposal.value in self._options_values or self.warn is None:
                return super()._validate_value(proposal)
            self.warn(
                ValueError(
                    f"{proposal.value!r} is not one of: {', '.join(map(str, self._options_values))}"
                )
            )
            return self.value

    return Menu


def _slider(control: Control):
    import ipywidgets as widgets

    layout = widgets.Layout(width="320px")
    if control.is_choice:
        return _guarded("Dropdown")(
            options=list(control.grid), value=control.grid[0], layout=layout
        )
    spec = control.spec
    common = {"continuous_update": True, "readout": True, "layout": layout}
    if control.log:
        return _guarded("SelectionSlider")(
            options=[(control.format(v), v) for v in log_stops(control)],
            value=spec.value,
            **common,
        )
    if spec.integer:
        return widgets.IntSlider(
            min=int(spec.low), max=int(spec.high), step=1, value=int(spec.value), **common
        )
    step = control.step or (spec.high - spec.low) / 100
    digits = readout_digits(control)
    return widgets.FloatSlider(
        min=spec.low,
        max=spec.high,
        step=step,
        value=spec.value,
        readout_format=f".{digits}f",
        **common,
    )


def live_widget(explorer: Explorer) -> LiveExplorer:
    """Build the live face: sliders and exact-entry boxes that re-solve the model."""
    import ipywidgets as widgets

    start = {c.parameter: c.live_default for c in explorer.controls}
    figure = LiveFigure(
        build_figure(explorer, run(explorer, **start)),
        description=explorer.announced,
    )
    sliders = {c.parameter: _slider(c) for c in explorer.controls}
    entries = {
        c.parameter: widgets.Text(
            value=entry_text(c.spec.value),
            continuous_update=False,  # the value counts once typed (Enter or leaving the box)
            layout=widgets.Layout(width="90px"),
            tooltip=f"type a value in {c.spec.unit}" if c.spec.unit else "type a value",
        )
        for c in explorer.controls
        if not c.is_choice
    }
    message = widgets.HTML(value="")
    rows = [
        widgets.HBox(
            [
                widgets.HTML(  # an HTML label wraps instead of cutting off the unit
                    f'<span style="line-height:1.25">{html.escape(c.label)}</span>',
                    layout=widgets.Layout(width="330px"),
                ),
                sliders[c.parameter],
                *([entries[c.parameter]] if c.parameter in entries else []),
            ]
        )
        for c in explorer.controls
    ]
    box = widgets.VBox(
        [widgets.HTML(f"<b>{html.escape(explorer.title)}</b>"), *rows, message, figure]
    )
    live = LiveExplorer(explorer, figure, sliders, entries, message, box, current=start)
    for name, slider in sliders.items():
        if hasattr(slider, "warn"):
            slider.warn = live.warn
        slider.observe(lambda ch, n=name: live.on_slider(n, ch["new"]), names="value")
    for name, entry in entries.items():
        entry.observe(lambda ch, n=name: live.on_entry(n, ch["new"]), names="value")
    return live


def show(explorer: Explorer):
    """Display ``explorer`` in the mode the environment chooses (see module docstring)."""
    from IPython.display import HTML, display

    if explorer_mode() == "static":
        display(HTML(static_html(explorer)))
        return None
    live = live_widget(explorer)
    display(live.widget)
    return None


def show_figure(fig: go.Figure, description: str) -> None:
    """Display a fixed (non-interactive) figure: inline HTML on the static site, with
    plotly.js from ``_static``; plotly's own output in a kernel. ``description`` is its alt
    text."""
    from IPython.display import HTML, display

    if explorer_mode() == "static":
        body = page_figure_html(fig)
        display(HTML(f'<div role="figure" aria-label="{html.escape(description)}">{body}</div>'))
    else:
        display(fig)
