/* Samraad: start Det Fælles Designsystem's components. Loaded with defer, after dkfds and
   htmx; kept in a file because the content security policy forbids inline scripts. */
(function () {
  "use strict";
  if (window.DKFDS) {
    window.DKFDS.init();
  }
  // Print buttons (the insight report): CSP allows no inline onclick.
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target instanceof Element && target.closest("[data-print]")) {
      window.print();
    }
  });
  if (window.htmx && window.DKFDS) {
    window.htmx.onLoad(function (elt) {
      if (elt === document.body) {
        return;
      }
      elt.querySelectorAll(".accordion").forEach(function (a) {
        new window.DKFDS.Accordion(a).init();
      });
    });
  }
})();
