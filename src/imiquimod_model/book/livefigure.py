"""The live explorers' figure: a plotly chart whose curves are redrawn in place.

plotly's own ``FigureWidget`` re-renders the figure and sends the whole of it back to the
kernel on every change, which in JupyterLab on this book's machines took 60–80 ms on top
of the kernel round trip. :class:`LiveFigure` sends only the new curves, as binary arrays,
and the browser redraws them in place with ``imq-redraw.js``, the same script that redraws
the static site's explorers.

plotly.js itself comes from the installed ``plotly`` package, the same file the static
site serves: the first figure on a page asks the kernel for it once, over the widget's own
channel, so nothing is fetched from the network.
"""

from __future__ import annotations

import json
from pathlib import Path

import anywidget
import numpy as np
import plotly
import plotly.graph_objects as go
import traitlets

#: plotly.js as the installed plotly ships it: what the site serves and the notebooks load.
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
#: The plotly config of every figure the book draws, on the site and in notebooks.
PLOTLY_CONFIG = {"responsive": True, "displaylogo": False}
#: The site's scripts; ``imq-redraw.js`` redraws the curves and ``imq-fit.js`` fits the
#: figure's words to its width, on the site and here alike.
STATIC = Path(__file__).parent / "static"

_ESM = (
    (STATIC / "imq-redraw.js").read_text()
    + (STATIC / "imq-fit.js").read_text()
    + r"""
function plotlyFrom(model) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__imqPlotly) {
    window.__imqPlotly = new Promise((resolve, reject) => {
      const onMessage = (msg, buffers) => {
        if (msg.kind !== "plotly.js") return;
        model.off("msg:custom", onMessage);
        const url = URL.createObjectURL(new Blob([buffers[0]], { type: "text/javascript" }));
        const script = document.createElement("script");
        script.src = url;
        script.onload = () => resolve(window.Plotly);
        script.onerror = reject;
        document.head.appendChild(script);
      };
      model.on("msg:custom", onMessage);
      model.send({ kind: "need plotly.js" });
    });
  }
  return window.__imqPlotly;
}

// A binary buffer as a plain array of numbers: plotly walks every index of a typed array
// when it merges an animation frame (a tenth of a redraw), but not of a plain one.
function floats(view) {
  return Array.from(new Float64Array(view.buffer, view.byteOffset, view.byteLength / 8));
}

async function render({ model, el }) {
  // announced as the static site announces it: a figure named by its description
  if (model.get("description")) {
    el.setAttribute("role", "figure");
    el.setAttribute("aria-label", model.get("description"));
  }
  const Plotly = await plotlyFrom(model);
  const div = document.createElement("div");
  el.appendChild(div);
  const figure = model.get("figure");
  await Plotly.newPlot(div, figure.data, figure.layout, model.get("config"));
  imqFitAlways(Plotly, div);  // the figure's words fitted to its width, as on the site
  const onMessage = (msg, buffers) => {
    if (msg.kind !== "restyle") return;
    // one value per changed trace; undefined leaves a trace's property alone
    const traces = [...new Set(msg.parts.map(([, trace]) => trace))];
    const update = {};
    msg.parts.forEach(([key, trace], b) => {
      if (!update[key]) update[key] = traces.map(() => undefined);
      update[key][traces.indexOf(trace)] = floats(buffers[b]);
    });
    imqRedraw(Plotly, div, update, traces);
  };
  model.on("msg:custom", onMessage);
  model.send({ kind: "need curves" });  // a view opened after changes catches up
  return () => {
    model.off("msg:custom", onMessage);
    Plotly.purge(div);
  };
}

export default { render };
"""
)


class LiveFigure(anywidget.AnyWidget):
    """A plotly figure in a notebook whose curves :meth:`restyle` replaces in place.

    ``figure`` keeps a plain ``go.Figure`` with the current curves, for code (and tests)
    that read what is shown.
    """

    _esm = traitlets.Unicode(_ESM).tag(sync=True)
    figure = traitlets.Dict().tag(sync=True)
    config = traitlets.Dict(PLOTLY_CONFIG).tag(sync=True)
    description = traitlets.Unicode("").tag(sync=True)  # what a screen reader announces

    def __init__(self, fig: go.Figure, description: str = "") -> None:
        super().__init__(figure=json.loads(fig.to_json()), description=description)
        self._shown = go.Figure(fig)
        self._curves: dict[tuple[str, int], np.ndarray] = {}  # the latest of each curve
        self._stale = False  # `_shown` lags `_curves`; caught up when read, off the hot path
        self.on_msg(self._answer)

    @property
    def shown(self) -> go.Figure:
        """The figure with its current curves."""
        if self._stale:
            with self._shown.batch_update():
                for (key, i), array in self._curves.items():
                    self._shown.data[i][key] = array
            self._stale = False
        return self._shown

    @property
    def data(self):
        """The traces as shown (plotly objects; ``data[i].y`` is the i-th curve)."""
        return self.shown.data

    def restyle(self, curves: dict[str, list[np.ndarray | None]]) -> None:
        """Replace trace properties (``"y"``, ``"error_y.array"``, ...: one array per trace
        in trace order, ``None`` to leave a trace alone) in the browser and in :attr:`shown`."""
        parts = {
            (key, i): np.ascontiguousarray(a, dtype=float)
            for key, values in curves.items()
            for i, a in enumerate(values)
            if a is not None
        }
        self._send_curves(parts)
        self._curves.update(parts)
        self._stale = True

    def _send_curves(self, parts: dict[tuple[str, int], np.ndarray]) -> None:
        if parts:
            message = {"kind": "restyle", "parts": [list(p) for p in parts]}
            self.send(message, buffers=[memoryview(a) for a in parts.values()])

    def _answer(self, _widget, content, _buffers) -> None:
        kind = content.get("kind") if isinstance(content, dict) else None
        if kind == "need plotly.js":
            self.send({"kind": "plotly.js"}, buffers=[PLOTLY_JS.read_bytes()])
        elif kind == "need curves":
            self._send_curves(self._curves)
