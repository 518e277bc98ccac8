/* The header: on wide screens the menu is always open (hub.css shows it even without this script,
   where the browser supports ::details-content); on phones it starts closed, and Escape closes it.
   The language select changes the language as soon as a language is chosen, so its button is
   only needed without JavaScript. */
(function () {
  "use strict";
  var menu = document.getElementById("site-menu");
  if (menu && window.matchMedia) {
    var wide = window.matchMedia("(min-width: 52rem)");
    var follow = function () { menu.open = wide.matches; };
    follow();
    wide.addEventListener("change", follow);
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open && !wide.matches) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  }
  var form = document.querySelector("form.language-form");
  if (form) {
    var button = form.querySelector(".language-submit");
    if (button) { button.hidden = true; }
    form.querySelector("select").addEventListener("change", function () { form.submit(); });
  }
})();
