/* The filters are a closed <details> block in the page (so that on a phone, without JavaScript
   too, the results come first and one tap opens them); on a wide screen this opens it beside
   the results, and opens it again when a window is widened past the breakpoint (hub.css hides
   the summary of an open block there). */
(function () {
  "use strict";
  var panel = document.querySelector("details.facets-panel");
  if (!panel || !window.matchMedia) { return; }
  var wide = window.matchMedia("(min-width: 52rem)");
  if (wide.matches) { panel.open = true; }
  wide.addEventListener("change", function () { if (wide.matches) { panel.open = true; } });
})();
