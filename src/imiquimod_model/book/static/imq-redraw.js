// Redraws the curves of an explorer's plotly figure in place: on the site (imq-explorer.js)
// and in notebooks (livefigure.py includes this file in its widget's module).
//
// The explorers' axes are fixed (explorers.Panel), so only the traces change. One plotly
// animation frame of zero length, without a full redraw, replaces them: Plotly.restyle
// would also recompute and redraw axes, legend and subplots, about three times the work.
//
// traces: the trace indices to change; updates[k]: the new properties of trace traces[k],
// as nested objects, e.g. {y: [...], error_y: {array: [...], arrayminus: [...]}}.
function imqRedraw(Plotly, gd, traces, updates) {
  return Plotly.animate(
    gd,
    { data: updates, traces: traces },
    { mode: "immediate", transition: { duration: 0 }, frame: { duration: 0, redraw: false } }
  ).catch(function (err) {
    // plotly rejects a queued frame, without a reason, when a newer redraw replaces it
    if (err) { throw err; }
  });
}
