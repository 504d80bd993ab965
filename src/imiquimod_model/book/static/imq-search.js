// Search results' snippets read as text: without the source of each formula (KaTeX keeps
// it in a hidden MathML annotation: "τA\tau_\mathrm{A}τA") and without words glued
// together where a paragraph, list item or table cell ends. Sphinx's searchtools.js makes
// a snippet from the page's HTML with Search.htmlToText; this cleans the HTML first.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  if (typeof Search === "undefined" || !Search.htmlToText) { return; }
  var toText = Search.htmlToText;
  Search.htmlToText = function (htmlString, anchor) {
    var doc = new DOMParser().parseFromString(htmlString, "text/html");
    doc.querySelectorAll(".katex-mathml").forEach(function (el) { el.remove(); });
    doc.querySelectorAll("p, li, dt, dd, td, th, h1, h2, h3, h4, caption").forEach(
      function (el) { el.append(" "); }
    );
    return toText.call(this, doc.documentElement.outerHTML, anchor);
  };
});
