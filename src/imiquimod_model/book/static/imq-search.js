// Search results' snippets read as text: without the source of each formula (KaTeX keeps
// it in a hidden MathML annotation: "τA\tau_\mathrm{A}τA") and without words glued
// together where a paragraph, list item or table cell ends. Sphinx's searchtools.js makes
// a snippet from the page's HTML with Search.htmlToText; this cleans the HTML first.
// And a page found by its text is not listed again after a result within it (a glossary
// term found as a term and in the glossary's text is listed once, as the term).
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
  var results = document.getElementById("search-results");
  if (!results) { return; }
  new MutationObserver(function () {
    var seen = {};
    results.querySelectorAll("li").forEach(function (li) {
      var link = li.querySelector("a"), href = link ? link.getAttribute("href") : "";
      var page = href.split("#")[0];
      if (seen[page] && href === page) { li.remove(); } else { seen[page] = true; }
    });
  }).observe(results, { childList: true, subtree: true });
});
