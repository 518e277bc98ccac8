/* On a phone the filters start closed, so the results come first; one tap opens them.
   Without JavaScript they stay open; on wide screens they always show (the summary is hidden
   there by hub.css, so a window widened past it opens them). */
(function () {
  "use strict";
  var panel = document.querySelector("details.facets-panel");
  if (!panel || !window.matchMedia) { return; }
  var wide = window.matchMedia("(min-width: 52rem)");
  panel.open = wide.matches;
  wide.addEventListener("change", function () { if (wide.matches) { panel.open = true; } });
})();
