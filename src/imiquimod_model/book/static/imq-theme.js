// Every plotly figure on the page follows the site's light or dark theme: a clear
// background, text, axes and grid in the theme's colours, and the book's palette lightened
// on a dark page so that each curve keeps its contrast. Runs on load and whenever the
// reader switches the theme (pydata-sphinx-theme sets <html data-theme>).
(function () {
  "use strict";

  var INK = {
    light: { text: "#242424", line: "#242424", grid: "#e8e8e8" },
    dark: { text: "#ced6dd", line: "#9aa5b1", grid: "#3a4250" },
  };
  // the book's palette (explorers.PALETTE) and greys, and their dark-page counterparts
  var DARK = {
    "#1f6f8b": "#6cbad8", "#c8553d": "#ec8a74", "#588b3f": "#93c877",
    "#7a4f9a": "#bb98da", "#b8860b": "#e3b447", "#444444": "#bdbdbd",
    "#222222": "#e6e6e6", "#777777": "#a3a3a3",
  };
  var LIGHT = {};
  Object.keys(DARK).forEach(function (k) { LIGHT[DARK[k]] = k; });

  function mode() {
    return document.documentElement.dataset.theme === "dark" ? "dark" : "light";
  }

  function recolour(colour, table) {
    return typeof colour === "string" ? table[colour.toLowerCase()] : undefined;
  }

  // a shaded band's fill, "rgba(r, g, b, a)" of a palette colour: its counterpart, twice
  // as opaque on a dark page (a light tint all but vanishes there), as opaque again back
  function refill(colour, table, m) {
    var parts = typeof colour === "string" && colour.match(/^rgba\((\d+),\s*(\d+),\s*(\d+),\s*([\d.]+)\)$/);
    if (!parts) { return undefined; }
    var hex = "#" + parts.slice(1, 4).map(function (v) {
      return ("0" + Number(v).toString(16)).slice(-2);
    }).join("");
    var other = table[hex];
    if (!other) { return undefined; }
    var alpha = Number(parts[4]) * (m === "dark" ? 2 : 0.5);
    var rgb = [1, 3, 5].map(function (i) { return parseInt(other.slice(i, i + 2), 16); });
    return "rgba(" + rgb.join(", ") + ", " + Math.min(alpha, 1) + ")";
  }

  function paint(gd, m) {
    if (!gd._fullLayout || gd.dataset.imqTheme === m) { return; }
    var ink = INK[m];
    var layout = {
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)", "font.color": ink.text,
    };
    Object.keys(gd._fullLayout).forEach(function (key) {
      if (/^[xy]axis\d*$/.test(key)) {
        layout[key + ".color"] = ink.text;
        layout[key + ".linecolor"] = ink.line;
        layout[key + ".gridcolor"] = ink.grid;
        layout[key + ".zerolinecolor"] = ink.grid;
      }
    });
    (gd.layout.annotations || []).forEach(function (_, i) {
      layout["annotations[" + i + "].font.color"] = ink.text;
    });
    var table = m === "dark" ? DARK : LIGHT;
    var lines = [], markers = [], bars = [], texts = [], fills = [], traces = [];
    gd.data.forEach(function (trace, i) {
      var line = recolour(trace.line && trace.line.color, table);
      var marker = recolour(trace.marker && trace.marker.color, table);
      var bar = recolour(trace.error_x && trace.error_x.color, table);
      var text = recolour(trace.textfont && trace.textfont.color, table);
      var fill = refill(trace.fillcolor, table, m);
      if (line || marker || bar || text || fill) {
        traces.push(i);
        lines.push(line || (trace.line && trace.line.color));
        markers.push(marker || (trace.marker && trace.marker.color));
        bars.push(bar || (trace.error_x && trace.error_x.color));
        texts.push(text || (trace.textfont && trace.textfont.color));
        fills.push(fill || trace.fillcolor);
      }
    });
    gd.dataset.imqTheme = m;
    Plotly.relayout(gd, layout);
    if (traces.length) {
      Plotly.restyle(
        gd,
        {
          "line.color": lines, "marker.color": markers, "error_x.color": bars,
          "textfont.color": texts, fillcolor: fills,
        },
        traces
      );
    }
  }

  function paintAll() {
    if (typeof Plotly === "undefined") { return; }
    var m = mode();
    document.querySelectorAll(".js-plotly-plot").forEach(function (gd) { paint(gd, m); });
  }

  function start() {
    paintAll();
    new MutationObserver(paintAll).observe(document.documentElement, {
      attributes: true, attributeFilter: ["data-theme"],
    });
  }

  if (document.readyState === "complete") { start(); } else { window.addEventListener("load", start); }
})();
