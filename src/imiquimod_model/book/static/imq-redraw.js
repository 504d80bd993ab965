// Redraws the curves of an explorer's plotly figure in place: on the site (imq-explorer.js)
// and in notebooks (livefigure.py includes this file in its widget's module).
//
// The explorers' axes are fixed (explorers.Panel), so only the traces change. One plotly
// animation frame of zero length, without a full redraw, replaces them: Plotly.restyle
// would also recompute and redraw axes, legend and subplots, about three times the work.
// Interval bars are line traces of their own (explorers.segments), not plotly's error bars,
// which an animation frame would leave unstyled and so invisible.
//
// update: as Plotly.restyle takes it, {"y": [...]}, one value for each of `traces` (trace
// indices); undefined leaves that trace's property alone.
function imqRedraw(Plotly, gd, update, traces) {
  var frame = traces.map(function (_, k) {
    var trace = {};
    Object.keys(update).forEach(function (key) {
      if (update[key][k] !== undefined) { trace[key] = update[key][k]; }
    });
    return trace;
  });
  return Plotly.animate(
    gd,
    { data: frame, traces: traces },
    { mode: "immediate", transition: { duration: 0 }, frame: { duration: 0, redraw: false } }
  ).catch(function (err) {
    // plotly rejects a queued frame, without a reason, when a newer redraw replaces it
    if (err) { throw err; }
  });
}
