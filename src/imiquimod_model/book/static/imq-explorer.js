// Binds the sliders of every static explorer to the model runs precomputed at build time.
// It computes nothing itself: each slider position selects one run of the Python model.
// The runs come gzip-compressed in base64 (explorers.packed); the browser unpacks them, and
// decodes each curve as explorers.decoded does: integer steps of 10^-decimals, each the
// difference from the one before (null: a gap), log10 values on a log panel.
(function () {
  "use strict";

  function unpack(text) {
    var bytes = Uint8Array.from(atob(text.trim()), function (c) { return c.charCodeAt(0); });
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).json();
  }

  function decode(deltas, trace) {
    var scale = Math.pow(10, trace.decimals);
    var total = 0;
    return deltas.map(function (delta) {
      if (delta === null) { return null; }
      total += delta;
      return trace.log ? Math.pow(10, total / scale) : total / scale;
    });
  }

  function bind(root) {
    var runs = unpack(root.querySelector("script.imq-explorer-data").textContent)
      .then(function (data) { data.curves = []; return data; });  // decoded, as drawn
    var gd = document.getElementById(root.dataset.figure);
    var inputs = Array.prototype.slice.call(root.querySelectorAll("[data-control]"));

    function draw(data) {
      var combo = 0;
      inputs.forEach(function (input) {
        var j = Number(input.dataset.control);
        var pos = Number(input.value);
        var label = data.controls[j].labels[pos];
        combo += pos * data.strides[j];
        if (input.type === "range") { input.setAttribute("aria-valuetext", label); }
        root.querySelector('output[for="' + input.id + '"]').textContent = label;
      });
      var update = { y: data.traces.map(function (t) {
        var k = t.y[combo];
        if (!data.curves[k]) { data.curves[k] = decode(data.arrays[k], t); }
        return data.curves[k];
      }) };
      imqRedraw(Plotly, gd, update, data.traces.map(function (_, i) { return i; }));
      root.dataset.combo = String(combo);
    }

    // a move made while the runs are still unpacking is drawn as soon as they are
    function redraw() { runs.then(draw); }

    inputs.forEach(function (input) { input.addEventListener("input", redraw); });
    // a page restored from history may show moved controls: draw what they select
    function moved(input) {
      return input.type === "range" ? input.value !== input.defaultValue
        : !input.options[input.selectedIndex].defaultSelected;
    }
    runs.then(function (data) {
      if (inputs.some(moved)) { draw(data); }
      root.dataset.ready = "true";
    });
  }

  function start() {
    document.querySelectorAll(".imq-explorer").forEach(bind);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
