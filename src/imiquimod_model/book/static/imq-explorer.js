// Binds the sliders of every static explorer to the model runs precomputed at build time.
// It computes nothing itself: each slider position selects one run of the Python model.
(function () {
  "use strict";

  function bind(root) {
    var data = JSON.parse(root.querySelector("script.imq-explorer-data").textContent);
    var gd = document.getElementById(root.dataset.figure);
    var inputs = Array.prototype.slice.call(root.querySelectorAll("[data-control]"));

    function redraw() {
      var combo = 0;
      inputs.forEach(function (input) {
        var j = Number(input.dataset.control);
        var pos = Number(input.value);
        var label = data.controls[j].labels[pos];
        combo += pos * data.strides[j];
        if (input.type === "range") { input.setAttribute("aria-valuetext", label); }
        root.querySelector('output[for="' + input.id + '"]').textContent = label;
      });
      var update = { y: data.traces.map(function (t) { return data.arrays[t.y[combo]]; }) };
      imqRedraw(Plotly, gd, update, data.traces.map(function (_, i) { return i; }));
      root.dataset.combo = String(combo);
    }

    inputs.forEach(function (input) { input.addEventListener("input", redraw); });
    root.dataset.ready = "true";
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
