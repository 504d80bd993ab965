// Fits a plotly figure's words to the width it is drawn at: on the site (every figure, on
// load and whenever its width changes) and in notebooks (livefigure.py includes this file).
//
// A phone gives a figure about 320 px. Each axis title, panel title, row label and legend
// entry that is wider than its room there is first set a little smaller, then wrapped onto
// more lines; axes make room for what they carry (automargin). At the width a text fits,
// it is drawn as written, so a desktop figure is unchanged.
var IMQ_FIT = {
  minScale: 0.8, // the smallest a text is set before it wraps (a share of its font size)
  legendSymbol: 48, // px a legend entry's symbol and padding take before its text
};

function imqTextWidth(text, size, family) {
  var canvas = imqTextWidth.canvas || (imqTextWidth.canvas = document.createElement("canvas"));
  var ctx = canvas.getContext("2d");
  ctx.font = size + "px " + (family || "sans-serif");
  var plain = text.replace(/<[^>]+>/g, "");
  return ctx.measureText(plain).width;
}

// The lines of `text` (its own <br>s read as spaces) wrapped to `room` px.
function imqWrap(text, room, size, family) {
  var words = text.replace(/<br\s*\/?>/g, " ").split(/\s+/).filter(Boolean);
  var lines = [], line = "";
  words.forEach(function (word) {
    var next = line ? line + " " + word : word;
    if (line && imqTextWidth(next, size, family) > room) { lines.push(line); line = word; }
    else { line = next; }
  });
  if (line) { lines.push(line); }
  return lines.join("<br>");
}

function imqFits(text, room, size, family) {
  return text.split(/<br\s*\/?>/).every(function (l) { return imqTextWidth(l, size, family) <= room; });
}

// {text, size}: `text` as written if it fits `room`, else smaller, else wrapped.
function imqFitText(text, room, size, family, shrink) {
  if (!text || room <= 0 || imqFits(text, room, size, family)) { return { text: text, size: size }; }
  if (shrink) {
    var small = Math.max(Math.floor(size * IMQ_FIT.minScale), 9);
    for (var s = size - 1; s >= small; s--) {
      if (imqFits(text, room, s, family)) { return { text: text, size: s }; }
    }
    size = small;
  }
  return { text: imqWrap(text, room, size, family), size: size };
}

// The texts as the figure was built, kept on first fit so every later fit starts from them.
function imqWritten(gd) {
  if (!gd._imqWritten) {
    var layout = gd.layout, axes = {};
    Object.keys(layout).forEach(function (key) {
      var title = /^[xy]axis\d*$/.test(key) && layout[key] && layout[key].title;
      if (title) { axes[key] = typeof title === "string" ? title : title.text || ""; }
    });
    gd._imqWritten = {
      axes: axes,
      annotations: (layout.annotations || []).map(function (a) {
        return { text: a.text || "", size: (a.font && a.font.size) || null };
      }),
      names: gd.data.map(function (t) { return t.name; }),
    };
  }
  return gd._imqWritten;
}

// The room an annotation has: a panel title its panel's width, a row label the figure's.
function imqAnnotationRoom(full, i, width) {
  var a = full.annotations[i], size = full._size;
  var same = full.annotations.filter(function (b) {
    return b.y === a.y && b.yref === a.yref && b.xanchor === "center";
  });
  if (a.xanchor === "center" && same.length > 1) {
    var xs = same.map(function (b) { return b.x; }).sort(function (p, q) { return p - q; });
    var gap = Math.min.apply(null, xs.slice(1).map(function (x, k) { return x - xs[k]; }));
    return gap * size.w - 6;
  }
  var left = a.xref === "paper" ? size.l + a.x * size.w : size.l;
  return width - left - 4;
}

function imqFit(Plotly, gd) {
  var full = gd._fullLayout;
  if (!full || !full._size || gd._imqFitWidth === full.width) { return Promise.resolve(); }
  gd._imqFitWidth = full.width;
  var written = imqWritten(gd), family = full.font.family, layout = {};
  Object.keys(written.axes).forEach(function (key) {
    var axis = full[key], size = axis.title.font.size;
    var fitted = imqFitText(written.axes[key], axis._length, size, family, false);
    layout[key + ".title.text"] = fitted.text;
    layout[key + ".automargin"] = true;
    var ticks = gd.layout[key].ticktext;  // named ticks (treatments): upright while they fit
    if (ticks && /^x/.test(key)) {
      var widest = Math.max.apply(null, ticks.map(function (t) {
        return imqTextWidth(String(t), axis.tickfont.size, family);
      }));
      layout[key + ".tickangle"] = widest > axis._length / ticks.length - 4 ? -90 : 0;
    }
  });
  written.annotations.forEach(function (a, i) {
    var size = a.size || full.annotations[i].font.size;
    var fitted = imqFitText(a.text, imqAnnotationRoom(full, i, full.width), size, family, true);
    layout["annotations[" + i + "].text"] = fitted.text;
    layout["annotations[" + i + "].font.size"] = fitted.size;
  });
  var legendSize = full.legend ? full.legend.font.size : full.font.size;
  var names = written.names.map(function (name) {
    return name ? imqFitText(name, full.width - IMQ_FIT.legendSymbol, legendSize, family, false).text : name;
  });
  return Plotly.update(gd, { name: names }, layout);
}

// Fit `gd` now and after every redraw at a new width (plotly redraws a responsive figure
// when its box changes; a fit at the same width does nothing).
function imqFitAlways(Plotly, gd) {
  gd.on("plotly_afterplot", function () {
    if (gd._fullLayout && gd._fullLayout.width !== gd._imqFitWidth) {
      setTimeout(function () { imqFit(Plotly, gd); }, 0);
    }
  });
  return imqFit(Plotly, gd);
}

// On the site (a classic script, not the notebooks' module): every figure of the page.
if (typeof document !== "undefined" && document.currentScript) {
  window.addEventListener("load", function () {
    if (typeof Plotly === "undefined") { return; }
    document.querySelectorAll(".js-plotly-plot").forEach(function (gd) { imqFitAlways(Plotly, gd); });
  });
}
