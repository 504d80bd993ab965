// Redraws the curves of an explorer's plotly figure in place: on the site (imq-explorer.js)
// and in notebooks (livefigure.py includes this file in its widget's module).
//
// The explorers' axes are fixed (explorers.Panel), so only the traces change. One plotly
// animation frame of zero length, without a full redraw, replaces them: Plotly.restyle
// would also recompute and redraw axes, legend and subplots, about three times the work.
// Interval bars are the exception: an animation frame leaves a bar that appears unstyled
// (invisible), so a figure whose update carries them is redrawn in full.
//
// traces: the trace indices to change; updates[k]: the new properties of trace traces[k],
// as nested objects, e.g. {y: [...], error_y: {array: [...], arrayminus: [...]}}.
function imqRedraw(Plotly, gd, traces, updates) {
  if (updates.some(function (update) { return update.error_y; })) {
    return Plotly.restyle(gd, imqRestyleUpdate(updates), traces);
  }
  return Plotly.animate(
    gd,
    { data: updates, traces: traces },
    { mode: "immediate", transition: { duration: 0 }, frame: { duration: 0, redraw: false } }
  ).catch(function (err) {
    // plotly rejects a queued frame, without a reason, when a newer redraw replaces it
    if (err) { throw err; }
  });
}

// Per-trace nested updates as Plotly.restyle takes them: one array per dotted property,
// with undefined for a trace that does not change it.
function imqRestyleUpdate(updates) {
  var update = {};
  function set(key, k, value) {
    if (!update[key]) { update[key] = updates.map(function () { return undefined; }); }
    update[key][k] = value;
  }
  updates.forEach(function (properties, k) {
    Object.keys(properties).forEach(function (key) {
      var value = properties[key];
      if (value && typeof value === "object" && !Array.isArray(value)) {
        Object.keys(value).forEach(function (sub) { set(key + "." + sub, k, value[sub]); });
      } else {
        set(key, k, value);
      }
    });
  });
  return update;
}
